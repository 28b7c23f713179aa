#include "core/quant/dequantizedstats.h"

#include "core/quant/codecountstats.h"
#include "core/quant/dequantizer.h"
#include "core/values/statskernels.h"
#include "core/values/threadscratch.h"
#include "core/values/valuetotals.h"

#include <cmath>

namespace safescope {

namespace {

constexpr uint64_t kChunkElements = uint64_t(1) << 20;

// Decodes [begin, end) a kernel block at a time into a thread's own buffer: 32 KiB of floats stay in L1/L2 between
// the dequantizer writing them and the kernel reading them.
template <typename Fn> void forBlocks(const Dequantizer& d, uint64_t begin, uint64_t end, Fn&& perBlock)
{
    struct DecodedBlock;
    float* buffer = threadScratch<float, kStatsBlock, DecodedBlock>();
    for (uint64_t b = begin; b < end; b += kStatsBlock) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(kStatsBlock, end - b));
        d.decodeStoredOrder(b, n, buffer);
        perBlock(reinterpret_cast<const unsigned char*>(buffer), n);
    }
}

// The general path: every value decoded, then two passes of the float kernels.
Result<TensorStats> decodedStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                 const std::atomic_bool& cancel, const ProgressFn& progress)
{
    const uint64_t count = dequantizer.elementCount();
    const QString cancelledMessage = QStringLiteral("statistics cancelled");
    const double minNormal = smallestNormal(DType::F32);
    const bool logScale = options.histogram.scale == BinScale::Log;
    const int workers = chunkWorkerCount(count, kChunkElements);

    // One accumulator per chunk, merged in chunk order: the sums do not depend on which thread took which chunk.
    std::vector<ValueTotals> first(static_cast<size_t>((count + kChunkElements - 1) / kChunkElements));
    if (!parallelChunks(count, kChunkElements, cancel, {&progress, 0.0, 0.5}, [&](int, uint64_t begin, uint64_t end) {
            ValueTotals& f = first[static_cast<size_t>(begin / kChunkElements)];
            forBlocks(dequantizer, begin, end, [&](const unsigned char* data, size_t n) {
                accumulateBlock(ElementType::Float, data, n, minNormal, f.moments, f.classes,
                                logScale ? &f.minAbsNonZero : nullptr);
            });
        }))
        return chunksStoppedError(cancelledMessage);
    ValueTotals total;
    for (const ValueTotals& f : first)
        total.merge(f);

    const HistogramPlan plan(total, options);
    std::vector<HistogramCounts> second(static_cast<size_t>(workers), HistogramCounts(plan));
    if (!parallelChunks(
            count, kChunkElements, cancel, {&progress, 0.5, 0.5}, [&](int worker, uint64_t begin, uint64_t end) {
                HistogramCounts& p = second[static_cast<size_t>(worker)];
                forBlocks(dequantizer, begin, end, [&](const unsigned char* data, size_t n) {
                    p.binFine(ElementType::Float, data, n, plan);
                    if (!plan.derivable)
                        binBlock(ElementType::Float, data, n, plan.coarse, p.coarse.data(), p.below, p.above);
                });
            }))
        return chunksStoppedError(cancelledMessage);
    return finishDequantizedStats(count, total, plan, second);
}

} // namespace

Result<TensorStats> computeDequantizedStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                            const std::atomic_bool& cancel, const ProgressFn& progress)
{
    if (dequantizer.elementCount() == 0) {
        // What computeStats() gives an empty tensor: no finite value, so NaN moments and an empty histogram.
        TensorStats empty;
        empty.dtype = DType::F32;
        empty.min = empty.max = empty.mean = empty.std = std::nan("");
        empty.percentiles.fill(std::nan(""));
        empty.histogram = Binning::resolve(options.histogram, HUGE_VAL, -HUGE_VAL, HUGE_VAL, 0.0).makeHistogram();
        empty.exact = true;
        return empty;
    }
    // Counting codes gives the same numbers for a fraction of the work, where the scheme offers it;
    // forceGeneric keeps the decode path reachable for the tests that compare the two.
    if (!options.forceGeneric && usableKeyedLayout(dequantizer.codeLayout(), dequantizer.elementCount()))
        return computeKeyedCountStats(dequantizer, options, cancel, progress);
    if (!options.forceGeneric && usableCodeLayout(dequantizer.codeLayout()))
        return computeCodeCountStats(dequantizer, options, cancel, progress);
    return decodedStats(dequantizer, options, cancel, progress);
}

} // namespace safescope
