#include "core/values/tensorstats.h"

#include "core/io/mappedfile.h"
#include "core/platform/filemapping.h"
#include "core/platform/heapprefault.h"
#include "core/values/genericstats.h"
#include "core/values/patternstats.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace safescope {

namespace {

uint64_t bytesNeeded(const TensorView& view)
{
    const uint64_t bits = static_cast<uint64_t>(dtypeBits(view.dtype));
    // Views come from validated headers, so elementCount * bits cannot overflow there; guard anyway.
    if (bits && view.elementCount > UINT64_MAX / bits)
        return UINT64_MAX;
    return (view.elementCount * bits + 7) / 8;
}

Status checkView(const TensorView& view)
{
    if (view.dtype == DType::Unknown)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("statistics need a known dtype"));
    if (view.byteSize < bytesNeeded(view) || (view.elementCount && !view.data))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("tensor holds %1 bytes, fewer than its %2 %3 elements need")
                             .arg(view.byteSize)
                             .arg(view.elementCount)
                             .arg(QLatin1StringView(dtypeName(view.dtype))));
    return Ok{};
}

TensorStats emptyStats(const TensorView& view, const StatsOptions& options)
{
    TensorStats s;
    s.dtype = view.dtype;
    s.min = s.max = s.mean = s.std = std::nan("");
    s.percentiles.fill(std::nan(""));
    s.histogram = Binning::resolve(options.histogram, HUGE_VAL, -HUGE_VAL, HUGE_VAL, 0.0).makeHistogram();
    s.exact = true;
    if (view.dtype == DType::C64) {
        s.real = static_cast<const ValueStats&>(s);
        s.imag = static_cast<const ValueStats&>(s);
    }
    if (view.dtype == DType::BOOL)
        s.bools = BoolCounts{};
    return s;
}

// The preview reads this many contiguous runs, spread evenly over the tensor, instead of single elements at a
// fixed stride. A stride wider than a page touches every page of the tensor, and on a new mapping each touch is a
// page fault (80 ms for 1 GiB of F32 in the page cache); a run of a few KiB costs about two faults, whatever the
// tensor's size. The price: neighbouring values are often alike (one row of a weight matrix), so a run counts for
// less than as many independent draws, and structure repeating at exactly the runs' spacing can be missed, as a
// stride misses structure at its own period. 256 runs still see every 1/256 of the tensor, which is what a first
// histogram is for (the full statistics follow); 1024 runs cost twice the faults for little a histogram shows.
constexpr uint64_t kPreviewRuns = 256;

// floor(i * total / parts) without overflowing for any 64-bit total (i <= 2 * parts, parts small).
uint64_t scaledShare(uint64_t i, uint64_t total, uint64_t parts)
{
    return i * (total / parts) + i * (total % parts) / parts;
}

struct PreviewRun
{
    uint64_t first = 0;        ///< first element of the run in the tensor
    uint64_t length = 0;       ///< elements
    uint64_t sampleOffset = 0; ///< where the run goes in the gathered sample
};

// Run i of `runs` that together take exactly `samples` of `count` elements (samples < count): the sample is cut
// into `runs` near-equal pieces, and the unread elements into equal gaps around them, half a gap before the first
// run and after the last, so that neither end of the tensor is favoured and no element is read twice.
PreviewRun previewRun(uint64_t i, uint64_t runs, uint64_t samples, uint64_t count)
{
    const uint64_t offset = scaledShare(i, samples, runs);
    const uint64_t unread = count - samples;
    return {offset + scaledShare(2 * i + 1, unread, 2 * runs), scaledShare(i + 1, samples, runs) - offset, offset};
}

// Advice that [data, data + bytes) is about to be read; failure (not a mapping, an old kernel) only loses the hint.
void adviseWillNeed(const unsigned char* data, uint64_t bytes)
{
    platform::adviseMemory(data, static_cast<size_t>(bytes), platform::MemoryAdvice::WillNeed);
}

BoolCounts countBools(const TensorView& view)
{
    BoolCounts b;
    for (uint64_t i = 0; i < view.elementCount; ++i)
        (view.data[i] == 0 ? b.falseCount : view.data[i] == 1 ? b.trueCount : b.other) += 1;
    return b;
}

} // namespace

namespace {

// Makes resident ahead the tables a statistics run fills on this thread, for the dtypes whose tables have 2^16
// entries (the bit patterns of a 16-bit dtype, or the fine histogram of the two-pass path): one per worker, the
// merged counts, the decoded values. A fresh 4 KiB page costs 5-16 us at its first write on a virtual machine
// (3 ms a MiB here) and a 2 MiB huge page about as much as 20 of them, so the ask is large enough to hold huge
// pages (platform::prefaultHeap). Memory the thread's heap already holds is not faulted again.
void prefaultStatsTables(const TensorView& view, bool patternPath)
{
    if (patternPath && dtypeBits(view.dtype) < 16)
        return;                                     // tables of 256 entries or fewer
    constexpr size_t kTableBytes = size_t(8) << 16; // 2^16 64-bit counts
    constexpr size_t kHugePagesAsk = (size_t(4) << 20) + (size_t(64) << 10);
    const size_t workers = static_cast<size_t>(chunkWorkerCount(view.elementCount, uint64_t(1) << 20));
    platform::prefaultHeap(std::max(kHugePagesAsk, (workers + 4) * kTableBytes));
}

Result<TensorStats> statsOfBytes(const TensorView& view, const StatsOptions& options, const std::atomic_bool& cancel,
                                 const ProgressFn& progress)
{
    if (Status ok = checkView(view); !ok)
        return ok.error();
    if (view.elementCount == 0)
        return emptyStats(view, options);

    const bool patternPath = hasPatternPath(view.dtype) && !options.forceGeneric;
    prefaultStatsTables(view, patternPath);
    if (patternPath) {
        Result<PatternCounts> counts = countPatterns(view, cancel, {&progress, 0.0, 1.0});
        if (!counts)
            return counts.error();
        TensorStats stats;
        static_cast<ValueStats&>(stats) = statsFromCounts(*counts, options.histogram);
        stats.dtype = view.dtype;
        if (view.dtype == DType::BOOL)
            stats.bools = boolCountsFromPatterns(*counts);
        stats.patterns = std::make_shared<const PatternCounts>(std::move(*counts));
        return stats;
    }

    Result<TensorStats> stats = computeGenericStats(view, options, cancel, progress);
    if (!stats)
        return stats;
    stats->dtype = view.dtype;
    if (view.dtype == DType::BOOL)
        stats->bools = countBools(view);
    return stats;
}

} // namespace

Result<TensorStats> computeStats(const TensorView& view, const StatsOptions& options, const std::atomic_bool& cancel,
                                 const ProgressFn& progress)
{
    Result<TensorStats> stats = statsOfBytes(view, options, cancel, progress);
    // Bytes overwritten in place while they were read give numbers of neither version: checked after the read.
    if (stats && view.source != nullptr)
        if (Status same = view.source->verifyUnchanged(); !same)
            return same.error();
    return stats;
}

Result<TensorStats> computeStatsPreview(const TensorView& view, const StatsOptions& options,
                                        const std::atomic_bool& cancel, uint64_t sampleTarget)
{
    if (Status ok = checkView(view); !ok)
        return ok.error();
    const int bits = dtypeBits(view.dtype);
    sampleTarget = std::max<uint64_t>(sampleTarget, 1);
    // Packed sub-byte tensors cannot be gathered bytewise, and their exact path is cheap anyway.
    if (view.elementCount <= sampleTarget || bits < 8)
        return computeStats(view, options, cancel);

    const size_t size = static_cast<size_t>(bits / 8);
    const uint64_t runs = std::min(kPreviewRuns, sampleTarget);
    // Ask for every run before reading any: on a cold page cache the reads then queue together instead of
    // faulting in one after the other.
    for (uint64_t i = 0; i < runs; ++i) {
        const PreviewRun run = previewRun(i, runs, sampleTarget, view.elementCount);
        adviseWillNeed(view.data + run.first * size, run.length * size);
    }
    std::vector<unsigned char> gathered(static_cast<size_t>(sampleTarget) * size);
    for (uint64_t i = 0; i < runs; ++i) {
        if (cancel.load(std::memory_order_relaxed))
            return makeError(ErrorKind::Cancelled, QStringLiteral("statistics cancelled"));
        const PreviewRun run = previewRun(i, runs, sampleTarget, view.elementCount);
        std::memcpy(&gathered[static_cast<size_t>(run.sampleOffset) * size], view.data + run.first * size,
                    static_cast<size_t>(run.length) * size);
    }
    // The sample was read from the file: computeStats() checks it is unchanged after this copy too.
    const TensorView sample{view.dtype, {sampleTarget}, sampleTarget, gathered.data(), gathered.size(), view.source};
    Result<TensorStats> stats = computeStats(sample, options, cancel);
    if (stats)
        stats->sampled = true;
    return stats;
}

} // namespace safescope
