#include "core/diff/quantpairdiff.h"

#include "core/values/dtypecodec.h"
#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/io/sigbusguard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace safescope {

namespace {

// 1 Mi elements per side per chunk: 8 MiB of floats in flight whatever the tensor's size.
constexpr uint64_t kChunk = uint64_t(1) << 20;

class StoredSource final : public FloatSource
{
public:
    StoredSource(const Model& model, size_t index) : m_model(model), m_index(index) {}
    uint64_t elementCount() const override { return m_model.tensor(m_index).elementCount; }
    Status read(uint64_t first, uint64_t count, float* out) const override
    {
        const TensorInfo& info = m_model.tensor(m_index);
        const unsigned char* data = m_model.tensorData(m_index);
        if (SigbusGuard::runGuarded([&] { decodeToFloat(info.dtype, data, first, static_cast<size_t>(count), out); }))
            return Ok{};
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("the file changed on disk while it was being read (it was truncated or "
                                        "rewritten by another program)"),
                         m_model.shardOf(m_index).path);
    }

private:
    const Model& m_model;
    size_t m_index;
};

class DequantizedSource final : public FloatSource
{
public:
    explicit DequantizedSource(std::unique_ptr<const Dequantizer> dequantizer) : m_dequantizer(std::move(dequantizer))
    {}
    uint64_t elementCount() const override { return m_dequantizer->elementCount(); }
    Status read(uint64_t first, uint64_t count, float* out) const override
    {
        return m_dequantizer->read(first, count, out);
    }

private:
    std::unique_ptr<const Dequantizer> m_dequantizer;
};

} // namespace

std::unique_ptr<FloatSource> FloatSource::stored(const Model& model, size_t index)
{
    return std::make_unique<StoredSource>(model, index);
}

std::unique_ptr<FloatSource> FloatSource::dequantized(std::unique_ptr<const Dequantizer> dequantizer)
{
    return std::make_unique<DequantizedSource>(std::move(dequantizer));
}

double sqnrDb(double relL2)
{
    if (relL2 == 0.0)
        return std::numeric_limits<double>::infinity();
    return -20.0 * std::log10(relL2);
}

Result<DiffMetrics> compareFloatSources(const FloatSource& a, const FloatSource& b, const std::vector<uint64_t>& shape,
                                        const DiffTolerance& tolerance, const std::atomic_bool& cancel,
                                        const std::function<void(double)>& progress)
{
    const uint64_t count = a.elementCount();
    if (b.elementCount() != count)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("the two tensors have different element counts"));
    DiffMetrics m;
    m.count = count;
    double sumAbs = 0, sumSq = 0, sumSqA = 0, sumSqB = 0, dot = 0;
    std::vector<float> va(static_cast<size_t>(std::min(count, kChunk)));
    std::vector<float> vb(va.size());
    for (uint64_t first = 0; first < count; first += kChunk) {
        if (cancel.load(std::memory_order_relaxed))
            return makeError(ErrorKind::Cancelled, QStringLiteral("comparison cancelled"));
        const uint64_t n = std::min(kChunk, count - first);
        if (Status read = a.read(first, n, va.data()); !read)
            return read.error();
        if (Status read = b.read(first, n, vb.data()); !read)
            return read.error();
        for (size_t i = 0; i < n; ++i) {
            const double x = va[i], y = vb[i];
            if (std::isfinite(x) && std::isfinite(y)) {
                const double d = std::abs(x - y);
                ++m.finitePairs;
                sumAbs += d;
                sumSq += d * d;
                sumSqA += x * x;
                sumSqB += y * y;
                dot += x * y;
                if (d > m.maxAbs) {
                    m.maxAbs = d;
                    m.maxAbsIndex = first + i;
                }
                if (d > tolerance.atol + tolerance.rtol * std::abs(y))
                    ++m.beyondTolerance;
            } else if (std::isnan(x) || std::isnan(y)) {
                if (!(std::isnan(x) && std::isnan(y))) {
                    ++m.nanMismatch;
                    ++m.beyondTolerance;
                }
            } else if (x != y) { // an infinity facing anything but the same infinity
                ++m.infMismatch;
                ++m.beyondTolerance;
            }
        }
        if (progress)
            progress(static_cast<double>(first + n) / static_cast<double>(count));
    }
    if (m.finitePairs > 0) {
        const double n = static_cast<double>(m.finitePairs);
        const double normA = std::sqrt(sumSqA), normB = std::sqrt(sumSqB);
        m.meanAbs = sumAbs / n;
        m.rms = std::sqrt(sumSq / n);
        m.relL2 = normA > 0.0 ? std::sqrt(sumSq) / normA : sumSq > 0.0 ? HUGE_VAL : 0.0;
        if (normA > 0.0 && normB > 0.0)
            m.cosine = std::clamp(dot / (normA * normB), -1.0, 1.0);
        else
            m.cosine = normA == normB ? 1.0 : std::numeric_limits<double>::quiet_NaN();
    }
    m.maxAbsPosition = unravelIndex(m.maxAbsIndex, shape);
    return m;
}

} // namespace safescope
