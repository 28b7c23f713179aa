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

/// Every `stride`-th element as double, decoded in blocks to bound the scratch memory.
void sample(const TensorView& v, uint64_t stride, uint64_t count, std::vector<double>& out,
            const std::atomic_bool& cancel)
{
    out.resize(count);
    if (stride == 1) {
        constexpr uint64_t block = 1 << 16;
        for (uint64_t first = 0; first < count && !cancel.load(std::memory_order_relaxed); first += block)
            decodeToDouble(v.dtype, v.data, first, static_cast<size_t>(std::min(block, count - first)),
                           out.data() + first);
        return;
    }
    for (uint64_t i = 0; i < count; ++i)
        decodeToDouble(v.dtype, v.data, i * stride, 1, &out[i]);
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

Result<PairHistograms> PairHistograms::compute(const TensorView& a, const TensorView& b, int bins, uint64_t cap,
                                               const std::atomic_bool& cancel)
{
    const bool hasA = decodable(a);
    const bool hasB = decodable(b);
    const uint64_t n = std::max(hasA ? a.elementCount : 0, hasB ? b.elementCount : 0);
    const uint64_t stride = n > cap && cap > 0 ? (n + cap - 1) / cap : 1;
    std::vector<double> va;
    std::vector<double> vb;
    const bool completed = SigbusGuard::runGuarded([&] {
        if (hasA)
            sample(a, stride, (a.elementCount + stride - 1) / stride, va, cancel);
        if (hasB)
            sample(b, stride, (b.elementCount + stride - 1) / stride, vb, cancel);
    });
    if (!completed)
        return makeError(ErrorKind::FileChanged, QStringLiteral("The file changed while its values were being read."));
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
    if (hasA && hasB && a.shape == b.shape) {
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
