#include "core/values/genericstats.h"

#include "core/values/dtypecodec.h"
#include "core/values/moments.h"
#include "core/values/percentiles.h"
#include "core/values/statskernels.h"

#include <cmath>
#include <complex>

namespace safescope {

namespace {

constexpr uint64_t kChunkElements = uint64_t(1) << 20;

// One real quantity fed to the kernels: the tensor itself, or (C64) its real part, imaginary part or magnitude.
struct Stream
{
    ElementType type = ElementType::Double;
    const unsigned char* data = nullptr;
};

// Turns elements [begin, begin + n) into 1 or 3 streams, decoding into per-thread buffers unless the bytes
// already are float/double (F32 and F64 are read straight from the mapping).
class BlockSource final
{
public:
    explicit BlockSource(const TensorView& view) : m_view(view) {}

    int streamCount() const { return m_view.dtype == DType::C64 ? 3 : 1; }

    void fetch(uint64_t begin, size_t n, Stream* out) const
    {
        alignas(64) thread_local double buffers[3][kStatsBlock];
        alignas(64) thread_local std::complex<float> complexBuffer[kStatsBlock];
        switch (m_view.dtype) {
        case DType::F32:
            out[0] = {ElementType::Float, m_view.data + 4 * begin};
            return;
        case DType::F64:
            out[0] = {ElementType::Double, m_view.data + 8 * begin};
            return;
        case DType::C64:
            decodeComplex(m_view.data, begin, n, complexBuffer);
            for (size_t i = 0; i < n; ++i) {
                const double re = complexBuffer[i].real();
                const double im = complexBuffer[i].imag();
                buffers[0][i] = std::sqrt(re * re + im * im); // exact enough in double: floats cannot overflow it
                buffers[1][i] = re;
                buffers[2][i] = im;
            }
            for (int s = 0; s < 3; ++s)
                out[s] = {ElementType::Double, reinterpret_cast<const unsigned char*>(buffers[s])};
            return;
        default:
            decodeToDouble(m_view.dtype, m_view.data, begin, n, buffers[0]);
            out[0] = {ElementType::Double, reinterpret_cast<const unsigned char*>(buffers[0])};
            return;
        }
    }

private:
    const TensorView& m_view;
};

struct FirstPass
{
    Moments moments;
    ClassCounts classes;
    double minAbsNonZero = HUGE_VAL;
};

struct SecondPass
{
    std::vector<uint64_t> fine;   // fineBins + 1 slots (slot 0: rejected)
    std::vector<uint64_t> coarse; // bins + 1 slots, when it cannot be derived from `fine`
    uint64_t fineBelow = 0, fineAbove = 0, below = 0, above = 0;
};

bool isPowerOfTwo(int v)
{
    return v > 0 && (v & (v - 1)) == 0;
}

Error cancelled()
{
    return chunksStoppedError(QStringLiteral("statistics cancelled"));
}

} // namespace

Result<TensorStats> computeGenericStats(const TensorView& view, const StatsOptions& options,
                                        const std::atomic_bool& cancel, const ProgressFn& progress)
{
    const BlockSource source(view);
    const int streams = source.streamCount();
    const double minNormal = smallestNormal(view.dtype);
    const bool logScale = options.histogram.scale == BinScale::Log;
    const int workers = chunkWorkerCount(view.elementCount, kChunkElements);
    auto blocks = [&](uint64_t begin, uint64_t end, auto&& perBlock) {
        Stream s[3];
        for (uint64_t b = begin; b < end; b += kStatsBlock) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(kStatsBlock, end - b));
            source.fetch(b, n, s);
            for (int k = 0; k < streams; ++k)
                perBlock(k, s[k], n);
        }
    };

    // Pass 1: moments, extremes and class counts, one accumulator per worker and stream.
    std::vector<FirstPass> first(static_cast<size_t>(workers * streams));
    if (!parallelChunks(view.elementCount, kChunkElements, cancel, {&progress, 0.0, 0.5},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            blocks(begin, end, [&](int k, const Stream& s, size_t n) {
                                FirstPass& f = first[static_cast<size_t>(worker * streams + k)];
                                accumulateBlock(s.type, s.data, n, minNormal, f.moments, f.classes,
                                                logScale ? &f.minAbsNonZero : nullptr);
                            });
                        }))
        return cancelled();
    std::vector<FirstPass> total(static_cast<size_t>(streams));
    for (int w = 0; w < workers; ++w) {
        for (int k = 0; k < streams; ++k) {
            const FirstPass& f = first[static_cast<size_t>(w * streams + k)];
            total[static_cast<size_t>(k)].moments.merge(f.moments);
            total[static_cast<size_t>(k)].classes.merge(f.classes);
            total[static_cast<size_t>(k)].minAbsNonZero =
                std::fmin(total[static_cast<size_t>(k)].minAbsNonZero, f.minAbsNonZero);
        }
    }

    // Pass 2: a fine histogram over [min, max] for percentiles, plus the requested one unless it follows exactly
    // from the fine one (same extent, power-of-two ratio of bin counts: the bin positions then differ by an exact
    // power-of-two factor).
    const int fineBins = std::max(1, options.fineBins);
    const HistogramSpec& spec = options.histogram;
    const bool derivable = spec.scale == BinScale::Linear && !spec.range && spec.bins > 0 &&
                           fineBins % spec.bins == 0 && isPowerOfTwo(fineBins / spec.bins);
    std::vector<Binning> fine, coarse;
    for (const FirstPass& t : total) {
        const double maxAbs = std::fmax(std::fabs(t.moments.min), std::fabs(t.moments.max));
        fine.push_back(Binning::resolve({fineBins, std::nullopt, BinScale::Linear}, t.moments.min, t.moments.max,
                                        t.minAbsNonZero, maxAbs));
        coarse.push_back(Binning::resolve(spec, t.moments.min, t.moments.max, t.minAbsNonZero, maxAbs));
    }
    std::vector<SecondPass> second(static_cast<size_t>(workers * streams));
    for (SecondPass& s : second) {
        s.fine.assign(static_cast<size_t>(fineBins) + 1, 0);
        if (!derivable)
            s.coarse.assign(static_cast<size_t>(coarse.front().bins()) + 1, 0);
    }
    if (!parallelChunks(
            view.elementCount, kChunkElements, cancel, {&progress, 0.5, 0.5},
            [&](int worker, uint64_t begin, uint64_t end) {
                blocks(begin, end, [&](int k, const Stream& s, size_t n) {
                    SecondPass& p = second[static_cast<size_t>(worker * streams + k)];
                    binBlock(s.type, s.data, n, fine[static_cast<size_t>(k)], p.fine.data(), p.fineBelow, p.fineAbove);
                    if (!derivable)
                        binBlock(s.type, s.data, n, coarse[static_cast<size_t>(k)], p.coarse.data(), p.below, p.above);
                });
            }))
        return cancelled();

    std::vector<ValueStats> results(static_cast<size_t>(streams));
    for (int k = 0; k < streams; ++k) {
        const FirstPass& t = total[static_cast<size_t>(k)];
        ValueStats& r = results[static_cast<size_t>(k)];
        r.count = view.elementCount;
        r.finite = t.moments.n;
        const bool any = r.finite > 0;
        r.min = any ? t.moments.min : std::nan("");
        r.max = any ? t.moments.max : std::nan("");
        r.mean = any ? t.moments.mean : std::nan("");
        r.std = any ? t.moments.populationStd() : std::nan("");
        r.sum = t.moments.totalSum();
        r.l2 = std::sqrt(t.moments.totalSumSq());
        r.zeros = t.classes.zeros;
        r.nan = t.classes.nan;
        r.posinf = t.classes.posinf;
        r.neginf = t.classes.neginf;
        r.subnormal = t.classes.subnormal;

        std::vector<uint64_t> fineCounts(static_cast<size_t>(fineBins), 0);
        Histogram h = coarse[static_cast<size_t>(k)].makeHistogram();
        for (int w = 0; w < workers; ++w) {
            const SecondPass& p = second[static_cast<size_t>(w * streams + k)];
            for (size_t b = 0; b < fineCounts.size(); ++b)
                fineCounts[b] += p.fine[b + 1];
            if (!derivable) {
                for (size_t b = 0; b < h.counts.size(); ++b)
                    h.counts[b] += p.coarse[b + 1];
                h.below += p.below;
                h.above += p.above;
            }
        }
        if (derivable) {
            const size_t ratio = static_cast<size_t>(fineBins / h.counts.size());
            for (size_t b = 0; b < fineCounts.size(); ++b)
                h.counts[b / ratio] += fineCounts[b];
        }
        r.histogram = std::move(h);
        const Binning& f = fine[static_cast<size_t>(k)];
        const double width = (f.hi() - f.lo()) / fineBins;
        r.percentiles = histogramPercentiles(fineCounts, f.lo(), width, r.finite, r.min, r.max);
        r.exact = false;
        r.percentileError = any ? width : 0.0;
    }

    TensorStats stats;
    static_cast<ValueStats&>(stats) = results[0];
    if (streams == 3) {
        stats.real = results[1];
        stats.imag = results[2];
    }
    return stats;
}

} // namespace safescope
