#include "core/diff/pairhistograms.h"

#include "core/io/sigbusguard.h"
#include "core/values/dtypecodec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace safescope {

namespace {

bool decodable(const TensorView& v)
{
    return v.data && v.elementCount > 0 && v.dtype != DType::Unknown && v.dtype != DType::C64;
}

/// Every `stride`-th element as double, read in blocks to bound the scratch memory.
Status sample(const PairHistograms::Side& side, uint64_t stride, std::vector<double>& out,
              const std::atomic_bool& cancel)
{
    const uint64_t count = (side.elements + stride - 1) / stride;
    out.resize(count);
    constexpr uint64_t block = 1 << 16;
    for (uint64_t first = 0; first < count && !cancel.load(std::memory_order_relaxed); first += block) {
        if (Status read = side.read(first * stride, stride, std::min(block, count - first), out.data() + first); !read)
            return read;
    }
    return Ok{};
}

struct Extent
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(const std::vector<double>& values)
    {
        for (double x : values) {
            if (std::isfinite(x)) {
                lo = std::min(lo, x);
                hi = std::max(hi, x);
            }
        }
    }
};

Histogram bin(const Binning& binning, const std::vector<double>& values)
{
    Histogram h = binning.makeHistogram();
    for (double x : values) {
        const int k = binning.binOf(x);
        if (k >= 0 && k < binning.bins())
            ++h.counts[static_cast<size_t>(k)];
        else if (k == -1)
            ++h.below;
        else if (k == binning.bins())
            ++h.above;
    }
    return h;
}

Binning binningOf(int bins, const Extent& e)
{
    const double lo = std::isfinite(e.lo) ? e.lo : 0.0;
    const double hi = std::isfinite(e.hi) ? e.hi : 0.0;
    return Binning::resolve({bins, std::nullopt, BinScale::Linear}, lo, hi, 0.0,
                            std::max(std::fabs(lo), std::fabs(hi)));
}

} // namespace

PairHistograms::Side PairHistograms::Side::ofView(const TensorView& view, std::shared_ptr<const void> keep,
                                                  const QString& path)
{
    Side side;
    if (!decodable(view))
        return side;
    side.elements = view.elementCount;
    side.read = [view, keep = std::move(keep), path](uint64_t first, uint64_t stride, uint64_t count,
                                                     double* out) -> Status {
        // One guard for the whole run: a shrunk file stops it at the first missing page.
        const bool completed = SigbusGuard::runGuarded([&] {
            walk(first, stride, count, [&](uint64_t at, uint64_t n, uint64_t into) {
                decodeToDouble(view.dtype, view.data, at, static_cast<size_t>(n), out + into);
            });
        });
        if (completed)
            return Ok{};
        return makeError(ErrorKind::FileChanged, QStringLiteral("The file changed while its values were being read."),
                         path);
    };
    return side;
}

Result<PairHistograms> PairHistograms::compute(const TensorView& a, const TensorView& b, int bins, uint64_t cap,
                                               const std::atomic_bool& cancel)
{
    return compute(Side::ofView(a), Side::ofView(b), a.shape == b.shape, bins, cap, cancel);
}

Result<PairHistograms> PairHistograms::compute(const Side& a, const Side& b, bool sameShape, int bins, uint64_t cap,
                                               const std::atomic_bool& cancel)
{
    const bool hasA = a.elements > 0 && a.read;
    const bool hasB = b.elements > 0 && b.read;
    const uint64_t n = std::max(hasA ? a.elements : 0, hasB ? b.elements : 0);
    const uint64_t stride = n > cap && cap > 0 ? (n + cap - 1) / cap : 1;
    std::vector<double> va;
    std::vector<double> vb;
    if (hasA)
        if (Status read = sample(a, stride, va, cancel); !read)
            return read.error();
    if (hasB)
        if (Status read = sample(b, stride, vb, cancel); !read)
            return read.error();
    if (cancel.load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("Cancelled."));

    PairHistograms out;
    out.sampled = std::max(va.size(), vb.size());
    out.isSample = stride > 1;
    Extent values;
    values.add(va);
    values.add(vb);
    const Binning shared = binningOf(bins, values);
    if (hasA)
        out.a = bin(shared, va);
    if (hasB)
        out.b = bin(shared, vb);
    // Element-wise only when both samples hold the same elements: the shapes say so, the sizes make sure (a side
    // read as stored codes while the other is dequantized would have a different count).
    if (hasA && hasB && sameShape && va.size() == vb.size()) {
        std::vector<double> delta(va.size());
        for (size_t i = 0; i < va.size(); ++i)
            delta[i] = va[i] - vb[i];
        Extent e;
        e.add(delta);
        out.delta = bin(binningOf(bins, e), delta);
    }
    return out;
}

} // namespace safescope
