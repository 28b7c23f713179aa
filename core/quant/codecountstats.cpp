#include "core/quant/codecountstats.h"

#include "core/quant/dequantizedtotals.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace safescope {

namespace {

// About as many elements per parallel chunk as the decode path's chunks hold.
constexpr uint64_t kChunkElements = uint64_t(1) << 20;

// Moments, extremes and classes of one segment from its codes' values and counts, added as one block, the way
// accumulateBlock() adds a block of decoded values (squared deviations from the block's own mean). Comparisons
// rather than std::fmin/fmax, which are calls here: this runs for every code of every segment.
void accumulateSegment(const float* values, const uint16_t* counts, int codes, ValueTotals& t)
{
    uint64_t finite = 0;
    double sum = 0.0, sumSq = 0.0, lo = HUGE_VAL, hi = -HUGE_VAL, minAbs = t.minAbsNonZero;
    for (int c = 0; c < codes; ++c) {
        const uint64_t n = counts[c];
        if (n == 0)
            continue;
        const double v = values[c];
        const double a = std::fabs(v);
        if (!(a <= DBL_MAX)) { // NaN or an infinity: counted apart
            (std::isnan(v) ? t.classes.nan : v > 0 ? t.classes.posinf : t.classes.neginf) += n;
            continue;
        }
        t.classes.zeros += a == 0.0 ? n : 0;
        t.classes.subnormal += a != 0.0 && a < FLT_MIN ? n : 0;
        minAbs = a != 0.0 && a < minAbs ? a : minAbs;
        finite += n;
        const double dn = static_cast<double>(n);
        sum += v * dn;
        sumSq += v * v * dn;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    t.minAbsNonZero = minAbs;
    if (finite == 0)
        return;
    const double mean = sum / static_cast<double>(finite);
    double m2 = 0.0;
    for (int c = 0; c < codes; ++c) {
        const double d = values[c] - mean;
        if (counts[c] != 0 && std::fabs(values[c]) <= FLT_MAX)
            m2 += static_cast<double>(counts[c]) * d * d;
    }
    t.moments.addBlock(finite, sum, sumSq, m2, lo, hi);
}

// One finite value's slot as binBlock() gives it (slot 0: not binned, b + 1: bin b), counting values outside a
// user range. Binning::binOf()'s rule, inlined for linear bins: it runs for every code of every segment.
size_t slotOf(const Binning& binning, double v, uint64_t n, uint64_t& below, uint64_t& above)
{
    int bin;
    if (binning.scale() == BinScale::Linear) {
        const double t = binPosition(v, binning.origin(), binning.factor());
        if (std::isnan(t))
            return 0;
        bin = t < 0.0                                    ? -1
              : t > binning.limit()                      ? binning.bins()
              : t >= static_cast<double>(binning.bins()) ? binning.bins() - 1
                                                         : static_cast<int>(t);
    } else {
        bin = binning.binOf(v);
    }
    if (bin >= 0 && bin < binning.bins())
        return static_cast<size_t>(bin) + 1;
    below += bin == -1 ? n : 0;
    above += bin == binning.bins() ? n : 0;
    return 0;
}

void binSegment(const float* values, const uint16_t* counts, int codes, const HistogramPlan& plan, HistogramCounts& h)
{
    for (int c = 0; c < codes; ++c) {
        const uint64_t n = counts[c];
        if (n == 0 || !(std::fabs(values[c]) <= FLT_MAX))
            continue;
        h.fine[slotOf(plan.fine, values[c], n, h.fineBelow, h.fineAbove)] += n;
        if (!plan.derivable)
            h.coarse[slotOf(plan.coarse, values[c], n, h.below, h.above)] += n;
    }
}

} // namespace

bool usableCodeLayout(const CodeLayout& layout)
{
    // A segment costs a pass over every code (values, moments, bins): below a few elements per code, decoding
    // each value is cheaper (an FP8 weight with a scale per 128 inputs of a row).
    return layout.codes > 0 && layout.codes <= 256 && layout.segments > 0 && layout.segmentElements <= UINT16_MAX &&
           layout.segmentElements >= 4 * static_cast<uint64_t>(layout.codes);
}

Result<TensorStats> computeCodeCountStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                          const std::atomic_bool& cancel, const ProgressFn& progress,
                                          uint64_t keptBudget)
{
    const CodeLayout layout = dequantizer.codeLayout();
    const QString cancelledMessage = QStringLiteral("statistics cancelled");
    const size_t codes = static_cast<size_t>(layout.codes);
    const uint64_t perChunk = std::max<uint64_t>(1, kChunkElements / layout.segmentElements);
    const int workers = chunkWorkerCount(layout.segments, perChunk);
    // Counts of every segment kept for pass 2 when they fit the budget: the codes are then read once.
    const bool keep = layout.segments <= keptBudget / (codes * sizeof(uint16_t));
    std::vector<uint16_t> kept(keep ? static_cast<size_t>(layout.segments) * codes : 0);
    std::vector<std::vector<uint16_t>> scratch(keep ? 0 : static_cast<size_t>(workers),
                                               std::vector<uint16_t>(static_cast<size_t>(perChunk) * codes));
    auto countsOf = [&](int worker, uint64_t begin, uint64_t end) {
        uint16_t* counts =
            keep ? &kept[static_cast<size_t>(begin) * codes] : scratch[static_cast<size_t>(worker)].data();
        std::fill(counts, counts + static_cast<size_t>(end - begin) * codes, uint16_t(0));
        dequantizer.countCodes(begin, end - begin, counts);
        return counts;
    };

    std::vector<ValueTotals> first(static_cast<size_t>(workers));
    if (!parallelChunks(layout.segments, perChunk, cancel, {&progress, 0.0, keep ? 0.9 : 0.5},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            const uint16_t* counts = countsOf(worker, begin, end);
                            float values[256];
                            for (uint64_t s = begin; s < end; ++s, counts += codes) {
                                dequantizer.segmentValues(s, values);
                                accumulateSegment(values, counts, layout.codes, first[static_cast<size_t>(worker)]);
                            }
                        }))
        return chunksStoppedError(cancelledMessage);
    ValueTotals total;
    for (const ValueTotals& f : first)
        total.merge(f);

    const HistogramPlan plan(total, options);
    std::vector<HistogramCounts> second(static_cast<size_t>(workers), HistogramCounts(plan));
    if (!parallelChunks(layout.segments, perChunk, cancel, {&progress, keep ? 0.9 : 0.5, keep ? 0.1 : 0.5},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            const uint16_t* counts =
                                keep ? &kept[static_cast<size_t>(begin) * codes] : countsOf(worker, begin, end);
                            float values[256];
                            for (uint64_t s = begin; s < end; ++s, counts += codes) {
                                dequantizer.segmentValues(s, values);
                                binSegment(values, counts, layout.codes, plan, second[static_cast<size_t>(worker)]);
                            }
                        }))
        return chunksStoppedError(cancelledMessage);
    return finishDequantizedStats(dequantizer.elementCount(), total, plan, second);
}

} // namespace safescope
