#include "core/quant/dequantizedstats.h"

#include "core/values/moments.h"
#include "core/values/percentiles.h"
#include "core/quant/dequantizer.h"
#include "core/values/statskernels.h"

#include <bit>
#include <cmath>

namespace safescope {

namespace {

constexpr uint64_t kChunkElements = uint64_t(1) << 20;

struct FirstPass
{
    Moments moments;
    ClassCounts classes;
    double minAbsNonZero = HUGE_VAL;
};

struct SecondPass
{
    std::vector<uint64_t> fine;   // fineBins + 1 slots (slot 0: rejected)
    std::vector<uint64_t> coarse; // bins + 1 slots
    uint64_t fineBelow = 0, fineAbove = 0, below = 0, above = 0;
};

// Decodes [begin, end) a kernel block at a time into a thread's own buffer: 32 KiB of floats stay in L1/L2 between
// the dequantizer writing them and the kernel reading them.
template <typename Fn> void forBlocks(const Dequantizer& d, uint64_t begin, uint64_t end, Fn&& perBlock)
{
    alignas(64) thread_local float buffer[kStatsBlock];
    for (uint64_t b = begin; b < end; b += kStatsBlock) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(kStatsBlock, end - b));
        d.decodeStoredOrder(b, n, buffer);
        perBlock(reinterpret_cast<const unsigned char*>(buffer), n);
    }
}

} // namespace

Result<TensorStats> computeDequantizedStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                            const std::atomic_bool& cancel, const ProgressFn& progress)
{
    const uint64_t count = dequantizer.elementCount();
    const QString cancelledMessage = QStringLiteral("statistics cancelled");
    const double minNormal = smallestNormal(DType::F32);
    const bool logScale = options.histogram.scale == BinScale::Log;
    const int workers = chunkWorkerCount(count, kChunkElements);
    if (count == 0) {
        // What computeStats() gives an empty tensor: no finite value, so NaN moments and an empty histogram.
        TensorStats empty;
        empty.dtype = DType::F32;
        empty.min = empty.max = empty.mean = empty.std = std::nan("");
        empty.percentiles.fill(std::nan(""));
        empty.histogram = Binning::resolve(options.histogram, HUGE_VAL, -HUGE_VAL, HUGE_VAL, 0.0).makeHistogram();
        empty.exact = true;
        return empty;
    }

    std::vector<FirstPass> first(static_cast<size_t>(workers));
    if (!parallelChunks(count, kChunkElements, cancel, {&progress, 0.0, 0.5},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            FirstPass& f = first[static_cast<size_t>(worker)];
                            forBlocks(dequantizer, begin, end, [&](const unsigned char* data, size_t n) {
                                accumulateBlock(ElementType::Float, data, n, minNormal, f.moments, f.classes,
                                                logScale ? &f.minAbsNonZero : nullptr);
                            });
                        }))
        return chunksStoppedError(cancelledMessage);
    FirstPass total;
    for (const FirstPass& f : first) {
        total.moments.merge(f.moments);
        total.classes.merge(f.classes);
        total.minAbsNonZero = std::fmin(total.minAbsNonZero, f.minAbsNonZero);
    }

    const int fineBins = std::max(1, options.fineBins);
    const double maxAbs = std::fmax(std::fabs(total.moments.min), std::fabs(total.moments.max));
    const Binning fine = Binning::resolve({fineBins, std::nullopt, BinScale::Linear}, total.moments.min,
                                          total.moments.max, total.minAbsNonZero, maxAbs);
    const Binning coarse =
        Binning::resolve(options.histogram, total.moments.min, total.moments.max, total.minAbsNonZero, maxAbs);
    // Binning is the costly half of the work (a scatter into 65,536 counters); when the requested histogram is the
    // fine one merged by a power of two, as in computeGenericStats(), it is derived instead of binned again.
    const HistogramSpec& spec = options.histogram;
    const bool derivable = spec.scale == BinScale::Linear && !spec.range && spec.bins > 0 &&
                           fineBins % spec.bins == 0 &&
                           std::has_single_bit(static_cast<unsigned>(fineBins / spec.bins));
    std::vector<SecondPass> second(static_cast<size_t>(workers));
    for (SecondPass& s : second) {
        s.fine.assign(static_cast<size_t>(fineBins) + 1, 0);
        if (!derivable)
            s.coarse.assign(static_cast<size_t>(coarse.bins()) + 1, 0);
    }
    if (!parallelChunks(count, kChunkElements, cancel, {&progress, 0.5, 0.5},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            SecondPass& p = second[static_cast<size_t>(worker)];
                            forBlocks(dequantizer, begin, end, [&](const unsigned char* data, size_t n) {
                                binBlock(ElementType::Float, data, n, fine, p.fine.data(), p.fineBelow, p.fineAbove);
                                if (!derivable)
                                    binBlock(ElementType::Float, data, n, coarse, p.coarse.data(), p.below, p.above);
                            });
                        }))
        return chunksStoppedError(cancelledMessage);

    TensorStats r;
    r.dtype = DType::F32;
    r.count = count;
    r.finite = total.moments.n;
    const bool any = r.finite > 0;
    r.min = any ? total.moments.min : std::nan("");
    r.max = any ? total.moments.max : std::nan("");
    r.mean = any ? total.moments.mean : std::nan("");
    r.std = any ? total.moments.populationStd() : std::nan("");
    r.sum = total.moments.totalSum();
    r.l2 = std::sqrt(total.moments.totalSumSq());
    r.zeros = total.classes.zeros;
    r.nan = total.classes.nan;
    r.posinf = total.classes.posinf;
    r.neginf = total.classes.neginf;
    r.subnormal = total.classes.subnormal;
    std::vector<uint64_t> fineCounts(static_cast<size_t>(fineBins), 0);
    Histogram h = coarse.makeHistogram();
    for (const SecondPass& p : second) {
        for (size_t b = 0; b < fineCounts.size(); ++b)
            fineCounts[b] += p.fine[b + 1];
        if (derivable)
            continue;
        for (size_t b = 0; b < h.counts.size(); ++b)
            h.counts[b] += p.coarse[b + 1];
        h.below += p.below;
        h.above += p.above;
    }
    if (derivable) {
        const size_t ratio = fineCounts.size() / h.counts.size();
        for (size_t b = 0; b < fineCounts.size(); ++b)
            h.counts[b / ratio] += fineCounts[b];
    }
    r.histogram = std::move(h);
    const double width = (fine.hi() - fine.lo()) / fineBins;
    r.percentiles = histogramPercentiles(fineCounts, fine.lo(), width, r.finite, r.min, r.max);
    r.exact = false;
    r.percentileError = any ? width : 0.0;
    return r;
}

} // namespace safescope
