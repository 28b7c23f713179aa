#include "core/quant/codecountstats.h"

#include "core/platform/pagearray.h"
#include "core/values/valuetotals.h"
#include "core/values/vectorkernels.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

namespace safescope {

namespace {

// About as many elements per parallel chunk as the decode path's chunks hold.
constexpr uint64_t kChunkElements = uint64_t(1) << 20;

// Segments per parallel chunk: about kChunkElements, cut at whole rows of segments (CodeLayout::segmentsPerRow).
// A chunk ending inside a row made the next one read the same stored rows again: up to three times the bytes for
// an 18,432-column FP8 weight in 128 x 128 blocks. A row of up to 16 chunks' worth becomes one chunk, unless that
// left fewer than four chunks to share among the cores (a GPTQ weight with one group: its single row is the whole
// tensor); a longer row keeps the plain cut.
uint64_t chunkSegments(const CodeLayout& layout)
{
    const uint64_t plain = std::max<uint64_t>(1, kChunkElements / layout.segmentElements);
    const uint64_t row = std::max<uint64_t>(1, layout.segmentsPerRow);
    if (row <= plain)
        return plain / row * row;
    return row <= 16 * plain && layout.segments / row >= 4 ? row : plain;
}

// Moments, extremes and classes of one segment from its codes' values and counts, added as one block, the way
// accumulateBlock() adds a block of decoded values (squared deviations from the block's own mean). Comparisons
// rather than std::fmin/fmax, which are calls here: this runs for every code of every segment.
template <typename Count> void accumulateSegment(const float* values, const Count* counts, int codes, ValueTotals& t)
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

template <typename Count>
void binSegment(const float* values, const Count* counts, int codes, const HistogramPlan& plan, HistogramCounts& h)
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

// accumulateSegment() for 16-bit counts, four codes at a time and without a branch per code: an FP8 segment has
// 256 codes of which about half occur, in an order no branch predictor follows. The same totals, summed in four
// lanes (a fixed order, so the same every run). False, having added nothing, when a code that occurs has a
// non-finite value (a NaN code, an overflowing scale): the scalar loop then counts those apart.
ST_KERNEL bool accumulateSegmentLanes(const float* values, const uint16_t* counts, int codes, ValueTotals& t)
{
    using namespace vec;
    const d4 zero = {};
    const d4 inf = zero + HUGE_VAL;
    const d4 big = zero + DBL_MAX;
    const d4 small = zero + FLT_MIN;
    const l4 absMask = l4{} + 0x7fffffffffffffffLL;
    d4 finite = zero, sum = zero, sumSq = zero, zeros = zero, subnormal = zero;
    d4 lo = inf, hi = -inf, minAbs = inf;
    l4 nonFinite = {};
    auto load = [&](int c, d4& v, d4& n, l4& ok) {
        f4 vf;
        h4 nh;
        std::memcpy(&vf, values + c, sizeof vf);
        std::memcpy(&nh, counts + c, sizeof nh);
        v = __builtin_convertvector(vf, d4);
        n = __builtin_convertvector(nh, d4);
        const d4 a = (d4)((l4)v & absMask);
        const l4 occurs = n > zero;
        const l4 isFinite = a <= big;
        nonFinite |= occurs & ~isFinite;
        ok = occurs & isFinite;
        v = ok ? v : zero; // a NaN that does not occur must not reach the sums (NaN * 0 is NaN)
        n = ok ? n : zero;
    };
    for (int c = 0; c < codes; c += 4) {
        d4 v, n;
        l4 ok;
        load(c, v, n, ok);
        const d4 a = (d4)((l4)v & absMask);
        finite += n;
        sum += v * n;
        sumSq += v * v * n;
        zeros += (ok & (a == zero)) ? n : zero;
        subnormal += (ok & (a != zero) & (a < small)) ? n : zero;
        lo = (ok & (v < lo)) ? v : lo;
        hi = (ok & (v > hi)) ? v : hi;
        minAbs = (ok & (a != zero) & (a < minAbs)) ? a : minAbs;
    }
    for (int k = 0; k < 4; ++k)
        if (nonFinite[k] != 0)
            return false;
    double f = 0.0, s = 0.0, q = 0.0, z = 0.0, sub = 0.0, l = HUGE_VAL, h = -HUGE_VAL, m = t.minAbsNonZero;
    for (int k = 0; k < 4; ++k) {
        f += finite[k];
        s += sum[k];
        q += sumSq[k];
        z += zeros[k];
        sub += subnormal[k];
        l = lo[k] < l ? lo[k] : l;
        h = hi[k] > h ? hi[k] : h;
        m = minAbs[k] < m ? minAbs[k] : m;
    }
    t.classes.zeros += static_cast<uint64_t>(z);
    t.classes.subnormal += static_cast<uint64_t>(sub);
    t.minAbsNonZero = m;
    if (f == 0.0)
        return true;
    const d4 mean = zero + s / f;
    d4 m2 = zero;
    for (int c = 0; c < codes; c += 4) {
        d4 v, n;
        l4 ok;
        load(c, v, n, ok);
        const d4 d = v - mean;
        m2 += n * d * d;
    }
    t.moments.addBlock(static_cast<uint64_t>(f), s, q, m2[0] + m2[1] + m2[2] + m2[3], l, h);
    return true;
}

void accumulateSegment(const float* values, const uint16_t* counts, int codes, ValueTotals& t)
{
    if (codes % 4 != 0 || !accumulateSegmentLanes(values, counts, codes, t))
        accumulateSegment<uint16_t>(values, counts, codes, t);
}

// binSegment() for 16-bit counts on linear bins, four codes at a time: the slots by slotOf()'s rule (the vector
// conversions truncate as its static_cast does), then one add per code, of 0 for a code that does not occur.
ST_KERNEL void binSegmentLanes(const float* values, const uint16_t* counts, int codes, const Binning& binning,
                               uint64_t* table, uint64_t& below, uint64_t& above)
{
    using namespace vec;
    const d4 zero = {};
    const d4 big = zero + DBL_MAX;
    const d4 origin = zero + binning.origin();
    const d4 factor = zero + binning.factor();
    const d4 limit = zero + binning.limit();
    const d4 bins = zero + static_cast<double>(binning.bins());
    const l4 absMask = l4{} + 0x7fffffffffffffffLL;
    l4 belowCount = {}, aboveCount = {};
    for (int c = 0; c < codes; c += 4) {
        f4 vf;
        h4 nh;
        std::memcpy(&vf, values + c, sizeof vf);
        std::memcpy(&nh, counts + c, sizeof nh);
        const d4 v = __builtin_convertvector(vf, d4);
        const l4 n = __builtin_convertvector(nh, l4);
        const l4 ok = (n > 0) & ((d4)((l4)v & absMask) <= big);
        const d4 t = (v - origin) * factor; // binPosition()
        const l4 isNan = t != t;
        const l4 under = ok & ~isNan & (t < zero);
        const l4 over = ok & ~isNan & ~(t < zero) & (t > limit);
        const l4 in = ok & ~isNan & ~(t < zero) & ~(t > limit);
        const d4 clamped = in ? ((t >= bins) ? bins - 1.0 : t) : zero;
        const l4 slot = in ? __builtin_convertvector(clamped, l4) + 1 : l4{};
        const l4 added = in ? n : l4{};
        belowCount += under ? n : l4{};
        aboveCount += over ? n : l4{};
        for (int k = 0; k < 4; ++k)
            table[slot[k]] += static_cast<uint64_t>(added[k]);
    }
    for (int k = 0; k < 4; ++k) {
        below += static_cast<uint64_t>(belowCount[k]);
        above += static_cast<uint64_t>(aboveCount[k]);
    }
}

void binSegment(const float* values, const uint16_t* counts, int codes, const HistogramPlan& plan, HistogramCounts& h)
{
    if (codes % 4 != 0 || plan.fine.scale() != BinScale::Linear ||
        (!plan.derivable && plan.coarse.scale() != BinScale::Linear)) {
        binSegment<uint16_t>(values, counts, codes, plan, h);
        return;
    }
    binSegmentLanes(values, counts, codes, plan.fine, h.fine.data(), h.fineBelow, h.fineAbove);
    if (!plan.derivable)
        binSegmentLanes(values, counts, codes, plan.coarse, h.coarse.data(), h.below, h.above);
}

// One worker's counts per key: counts[key * keyCodes + entry], and which keys it met. Fresh pages, mapped on first
// touch (platform::PageArray): a key table is large (32 entries x 2^16 keys for int4 with F16 scales) and mostly
// untouched, as a model's scales take a few thousand of the 65,536 values.
struct KeyCounts
{
    platform::PageArray<uint32_t> counts;
    platform::PageArray<uint8_t> seen;
};

} // namespace

TensorStats finishDequantizedStats(uint64_t count, const ValueTotals& total, const HistogramPlan& plan,
                                   const std::vector<HistogramCounts>& perWorker)
{
    TensorStats r;
    static_cast<ValueStats&>(r) = statsFromTotals(count, total, plan, perWorker);
    r.dtype = DType::F32;
    return r;
}

bool usableKeyedLayout(const CodeLayout& layout, uint64_t elementCount)
{
    // 32-bit counters per key cannot overflow below 2^32 elements; the tables stay within 64 MiB per worker.
    return usableCodeLayout(layout) && layout.keys > 0 && layout.keys <= UINT32_MAX && layout.keyCodes > 0 &&
           layout.keyCodes <= 256 && layout.keys * static_cast<uint64_t>(layout.keyCodes) <= (uint64_t(1) << 24) &&
           elementCount < (uint64_t(1) << 32);
}

Result<TensorStats> computeKeyedCountStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                           const std::atomic_bool& cancel, const ProgressFn& progress)
{
    const CodeLayout layout = dequantizer.codeLayout();
    const size_t codes = static_cast<size_t>(layout.keyCodes); // entries of a key's row
    const size_t keys = static_cast<size_t>(layout.keys);
    const uint64_t perChunk = chunkSegments(layout);
    const int workers = chunkWorkerCount(layout.segments, perChunk);
    std::vector<KeyCounts> tables(static_cast<size_t>(workers));
    for (KeyCounts& t : tables) {
        t.counts = platform::PageArray<uint32_t>(keys * codes);
        t.seen = platform::PageArray<uint8_t>(keys);
        if (!t.counts || !t.seen)
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("no memory for the code counts"));
    }
    // The one pass over the codes: each segment's counts added to its key's.
    if (!parallelChunks(layout.segments, perChunk, cancel, {&progress, 0.0, 0.95},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            KeyCounts& table = tables[static_cast<size_t>(worker)];
                            dequantizer.countCodesByKey(begin, end - begin, table.counts.get(), table.seen.get());
                        }))
        return chunksStoppedError(QStringLiteral("statistics cancelled"));

    // The keys met, their counts summed over the workers and their values: a few thousand (value, count) rows
    // stand for the whole tensor.
    std::vector<uint32_t> met;
    for (size_t key = 0; key < keys; ++key) {
        bool any = false;
        for (const KeyCounts& t : tables)
            any = any || t.seen[key];
        if (any)
            met.push_back(static_cast<uint32_t>(key));
    }
    std::vector<uint32_t> rows(met.size() * codes, 0);
    std::vector<float> values(met.size() * codes);
    for (size_t k = 0; k < met.size(); ++k) {
        for (const KeyCounts& t : tables)
            for (size_t code = 0; code < codes; ++code)
                rows[k * codes + code] += t.counts[met[k] * codes + code];
        dequantizer.keyValues(met[k], &values[k * codes]);
    }
    tables.clear();

    ValueTotals total;
    for (size_t k = 0; k < met.size(); ++k)
        accumulateSegment(&values[k * codes], &rows[k * codes], layout.keyCodes, total);
    const HistogramPlan plan(total, options);
    std::vector<HistogramCounts> binned(1, HistogramCounts(plan));
    for (size_t k = 0; k < met.size(); ++k)
        binSegment(&values[k * codes], &rows[k * codes], layout.keyCodes, plan, binned.front());
    if (progress)
        progress(1.0);
    return finishDequantizedStats(dequantizer.elementCount(), total, plan, binned);
}

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
    const uint64_t perChunk = chunkSegments(layout);
    const int workers = chunkWorkerCount(layout.segments, perChunk);
    // Counts of every segment kept for pass 2 when they fit the budget: the codes are then read once.
    const bool keep = layout.segments <= keptBudget / (codes * sizeof(uint16_t));
    // Fresh zeroed pages (32 MiB for 1 GiB of FP8 in 128 x 128 blocks), each segment's counts written once by
    // the chunk that holds it: the system's zero pages need no clearing, and in huge pages they cost a small part
    // of what 4 KiB pages cost to fault in.
    platform::PageArray<uint16_t> kept;
    if (keep) {
        kept = platform::PageArray<uint16_t>(static_cast<size_t>(layout.segments) * codes);
        if (!kept)
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("no memory for the code counts"));
    }
    std::vector<std::vector<uint16_t>> scratch(keep ? 0 : static_cast<size_t>(workers),
                                               std::vector<uint16_t>(static_cast<size_t>(perChunk) * codes));
    auto countsOf = [&](int worker, uint64_t begin, uint64_t end) {
        uint16_t* counts =
            keep ? &kept[static_cast<size_t>(begin) * codes] : scratch[static_cast<size_t>(worker)].data();
        if (!keep)
            std::fill(counts, counts + static_cast<size_t>(end - begin) * codes, uint16_t(0));
        dequantizer.countCodes(begin, end - begin, counts);
        return counts;
    };

    // Moments per chunk, merged in chunk order: per worker, the sums followed which chunks each thread happened to
    // take, and the last digits of the mean and std changed from run to run (as they did on the decode path).
    std::vector<ValueTotals> first(static_cast<size_t>((layout.segments + perChunk - 1) / perChunk));
    if (!parallelChunks(layout.segments, perChunk, cancel, {&progress, 0.0, keep ? 0.9 : 0.5},
                        [&](int worker, uint64_t begin, uint64_t end) {
                            const uint16_t* counts = countsOf(worker, begin, end);
                            ValueTotals& chunk = first[static_cast<size_t>(begin / perChunk)];
                            float values[256];
                            for (uint64_t s = begin; s < end; ++s, counts += codes) {
                                dequantizer.segmentValues(s, values);
                                accumulateSegment(values, counts, layout.codes, chunk);
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
