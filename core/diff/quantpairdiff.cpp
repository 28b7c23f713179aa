#include "core/diff/quantpairdiff.h"

#include "core/diff/tensorpairing.h"
#include "core/format/model.h"
#include "core/io/sigbusguard.h"
#include "core/quant/dequantizer.h"
#include "core/quant/quantcatalog.h"
#include "core/values/dtypecodec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

namespace {

// 1 Mi elements per side per chunk: 8 MiB of floats in flight whatever the tensor's size.
constexpr uint64_t kChunk = uint64_t(1) << 20;

class StoredSource final : public FloatSource
{
public:
    StoredSource(const Model& model, size_t index, HeldTensorBytes held)
        : m_model(model), m_index(index), m_held(std::move(held))
    {}
    uint64_t elementCount() const override { return m_model.tensor(m_index).elementCount; }
    Status read(uint64_t first, uint64_t count, float* out) const override
    {
        const TensorInfo& info = m_model.tensor(m_index);
        const unsigned char* data = m_held.data ? m_held.data : m_model.tensorData(m_index);
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
    HeldTensorBytes m_held;
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

// A source read with its last two dimensions swapped: element (e, i, j) of the [..., cols, rows] result is element
// (e, j, i) of the inner [..., rows, cols] source. One matrix is held at a time, already transposed, so reads are
// copies (a gpt-oss expert: 5760 x 2880 floats, 66 MB); it is filled a band of rows at a time, each band written
// tile by tile so that both sides of the transpose stay in cache.
class TransposedSource final : public FloatSource
{
public:
    TransposedSource(std::unique_ptr<FloatSource> inner, uint64_t rows, uint64_t cols)
        : m_inner(std::move(inner)), m_rows(rows), m_cols(cols)
    {}
    uint64_t elementCount() const override { return m_inner->elementCount(); }
    Status read(uint64_t first, uint64_t count, float* out) const override
    {
        const uint64_t plane = m_rows * m_cols;
        while (count > 0) {
            const uint64_t matrix = first / plane;
            if (matrix != m_held)
                if (Status loaded = load(matrix); !loaded)
                    return loaded;
            const uint64_t within = first % plane;
            const uint64_t run = std::min(count, plane - within);
            std::copy_n(m_plane.begin() + static_cast<std::ptrdiff_t>(within), run, out);
            out += run;
            first += run;
            count -= run;
        }
        return Ok{};
    }

private:
    static constexpr uint64_t kBand = 64; // rows read at once
    static constexpr uint64_t kTile = 64; // columns transposed at once

    Status load(uint64_t matrix) const
    {
        m_held = std::numeric_limits<uint64_t>::max(); // nothing valid while it is being filled
        m_plane.resize(static_cast<size_t>(m_rows * m_cols));
        std::vector<float> band(static_cast<size_t>(std::min(kBand, m_rows) * m_cols));
        for (uint64_t r0 = 0; r0 < m_rows; r0 += kBand) {
            const uint64_t n = std::min(kBand, m_rows - r0);
            if (Status read = m_inner->read((matrix * m_rows + r0) * m_cols, n * m_cols, band.data()); !read)
                return read;
            for (uint64_t c0 = 0; c0 < m_cols; c0 += kTile)
                for (uint64_t c = c0; c < std::min(c0 + kTile, m_cols); ++c)
                    for (uint64_t r = 0; r < n; ++r)
                        m_plane[static_cast<size_t>(c * m_rows + r0 + r)] = band[static_cast<size_t>(r * m_cols + c)];
        }
        m_held = matrix;
        return Ok{};
    }

    std::unique_ptr<FloatSource> m_inner;
    uint64_t m_rows, m_cols;
    mutable std::vector<float> m_plane; ///< the held matrix, [cols, rows]
    mutable uint64_t m_held = std::numeric_limits<uint64_t>::max();
};

// One side of a pair with a quantized weight: what it is (from the headers), then its float source.
struct Side
{
    DType dtype = DType::Unknown;
    std::vector<uint64_t> shape;
    std::string scheme;
    const LogicalTensor* logical = nullptr; ///< the quantized weight, or null for a stored tensor
    std::string problem;                    ///< why its values cannot be read
    std::unique_ptr<FloatSource> source;    ///< set by readValues()
};

Side describe(const Model& model, size_t index, const QuantCatalog* catalog, std::optional<size_t> logical)
{
    Side side;
    const TensorInfo& info = model.tensor(index);
    side.dtype = info.dtype;
    if (logical) {
        side.logical = &catalog->tensors[*logical];
        side.shape = side.logical->shape;
        side.scheme = quantSchemeName(side.logical->scheme);
        return side;
    }
    side.shape.assign(info.shape.begin(), info.shape.end());
    std::string why;
    if (!canCompareValues(info.dtype, DType::F32, &why) || info.dtype == DType::C64)
        side.problem = why.empty() ? std::string("complex values are not compared with real ones") : why;
    return side;
}

// gpt-oss keeps its MoE experts as MXFP4 under transformers' parameter names ("...experts.down_proj"), and the
// reference dequantizes them to [E, out, in] while transformers' float parameter of that name is [E, in, out]
// (QUANTIZATION.md). So a float tensor under that name is compared with the transpose; for a square weight the
// shapes cannot tell, and the name decides. A float tensor already in the reference's order is compared as is.
bool readsTransposed(const Side& quantized, const Side& other)
{
    if (!quantized.logical || quantized.logical->scheme != QuantScheme::Mxfp4 || other.logical)
        return false;
    const std::vector<uint64_t>& q = quantized.shape;
    const std::vector<uint64_t>& f = other.shape;
    if (q.size() < 2 || f.size() != q.size() || !std::equal(q.begin(), q.end() - 2, f.begin()))
        return false;
    // A square weight is both swapped and equal: the name decides, as said above.
    return q[q.size() - 2] == f[f.size() - 1] && q[q.size() - 1] == f[f.size() - 2];
}

// `bytes` empty: the mappings. A weight that cannot be dequantized gets a problem; a failed or cancelled fetch or
// read is an error.
Status readValues(Side& side, const Model& model, size_t index, const TensorBytesFn& bytes,
                  const std::atomic_bool& cancel)
{
    if (!side.problem.empty())
        return Ok{};
    if (!side.logical) {
        HeldTensorBytes held;
        if (bytes) {
            Result<HeldTensorBytes> fetched = bytes(index, cancel);
            if (!fetched)
                return fetched.error();
            held = std::move(*fetched);
        }
        side.source = FloatSource::stored(model, index, std::move(held));
        return Ok{};
    }
    auto dequantizer = Dequantizer::create(model, *side.logical, bytes, &cancel);
    if (dequantizer) {
        side.source = FloatSource::dequantized(std::move(*dequantizer));
        return Ok{};
    }
    if (const ErrorKind kind = dequantizer.error().kind;
        kind == ErrorKind::Cancelled || kind == ErrorKind::IoError || kind == ErrorKind::FileChanged)
        return dequantizer.error(); // a fetch or read failed: the weight is not unreadable, the diff is
    side.problem = dequantizer.error().message.toStdString();
    return Ok{};
}

} // namespace

std::unique_ptr<FloatSource> FloatSource::stored(const Model& model, size_t index, HeldTensorBytes held)
{
    return std::make_unique<StoredSource>(model, index, std::move(held));
}

std::unique_ptr<FloatSource> FloatSource::dequantized(std::unique_ptr<const Dequantizer> dequantizer)
{
    return std::make_unique<DequantizedSource>(std::move(dequantizer));
}

double sqnrDb(const DiffMetrics& metrics)
{
    // A value lost to NaN or infinity on one side is an unbounded error: the sums over the finite pairs would
    // otherwise report a weight with a broken scale as a close or even perfect quantization.
    if (metrics.nanMismatch > 0 || metrics.infMismatch > 0)
        return -std::numeric_limits<double>::infinity();
    if (metrics.finitePairs == 0 && metrics.count > 0) // every pair NaN or infinity, alike on both sides
        return std::numeric_limits<double>::quiet_NaN();
    if (metrics.relL2 == 0.0)
        return std::numeric_limits<double>::infinity();
    return -20.0 * std::log10(metrics.relL2);
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

Status diffDequantizedPair(TensorDiff& diff, const Model& a, const Model& b, const TensorPair& pair,
                           const PairSources& sources, const DiffTolerance& tolerance, const std::atomic_bool& cancel)
{
    if (!pair.a || !pair.b) { // a quantized weight on one side only: listed under its logical name and shape
        const Side side = pair.a ? describe(a, *pair.a, sources.quantA, pair.logicalA)
                                 : describe(b, *pair.b, sources.quantB, pair.logicalB);
        diff.status = pair.a ? DiffStatus::OnlyInA : DiffStatus::OnlyInB;
        (pair.a ? diff.dtypeA : diff.dtypeB) = side.dtype;
        (pair.a ? diff.shapeA : diff.shapeB) = side.shape;
        (pair.a ? diff.schemeA : diff.schemeB) = side.scheme;
        return Ok{};
    }
    Side sa = describe(a, *pair.a, sources.quantA, pair.logicalA);
    Side sb = describe(b, *pair.b, sources.quantB, pair.logicalB);
    diff.dtypeA = sa.dtype;
    diff.dtypeB = sb.dtype;
    diff.shapeA = sa.shape;
    diff.shapeB = sb.shape;
    diff.schemeA = sa.scheme;
    diff.schemeB = sb.scheme;
    const bool transposeA = readsTransposed(sa, sb), transposeB = readsTransposed(sb, sa);
    if (sa.shape != sb.shape && !transposeA && !transposeB) { // reported from the headers: nothing fetched
        diff.status = DiffStatus::ShapeChanged;
        return Ok{};
    }
    diff.status = sa.dtype != sb.dtype ? DiffStatus::DTypeChanged : DiffStatus::ValuesDiffer;
    if (Status read = readValues(sa, a, *pair.a, sources.bytesA, cancel); !read)
        return read;
    if (sa.source) // B is not fetched when A cannot be compared anyway
        if (Status read = readValues(sb, b, *pair.b, sources.bytesB, cancel); !read)
            return read;
    if (!sa.source || !sb.source) {
        diff.note = sa.source ? sb.problem : sa.problem;
        return Ok{};
    }
    if (transposeA || transposeB) {
        Side& quantized = transposeA ? sa : sb;
        const size_t rank = quantized.shape.size();
        quantized.source = std::make_unique<TransposedSource>(std::move(quantized.source), quantized.shape[rank - 2],
                                                              quantized.shape[rank - 1]);
        diff.transposed = true;
        diff.note = "MXFP4 experts [..., out, in] compared transposed, as transformers loads them [..., in, out]";
    }
    // Positions (max |delta|) are the float side's: the transposed side is read in its order.
    Result<DiffMetrics> metrics =
        compareFloatSources(*sa.source, *sb.source, transposeA ? sb.shape : sa.shape, tolerance, cancel);
    if (!metrics)
        return metrics.error();
    diff.metrics = std::move(*metrics);
    return Ok{};
}

} // namespace safescope
