#include "core/tensorstats.h"

#include "core/genericstats.h"
#include "core/patternstats.h"

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

BoolCounts countBools(const TensorView& view)
{
    BoolCounts b;
    for (uint64_t i = 0; i < view.elementCount; ++i)
        (view.data[i] == 0 ? b.falseCount : view.data[i] == 1 ? b.trueCount : b.other) += 1;
    return b;
}

} // namespace

Result<TensorStats> computeStats(const TensorView& view, const StatsOptions& options, const std::atomic_bool& cancel,
                                 const ProgressFn& progress)
{
    if (Status ok = checkView(view); !ok)
        return ok.error();
    if (view.elementCount == 0)
        return emptyStats(view, options);

    if (hasPatternPath(view.dtype) && !options.forceGeneric) {
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

    const uint64_t stride = (view.elementCount + sampleTarget - 1) / sampleTarget;
    const uint64_t samples = (view.elementCount + stride - 1) / stride;
    const size_t size = static_cast<size_t>(bits / 8);
    std::vector<unsigned char> gathered(static_cast<size_t>(samples) * size);
    for (uint64_t i = 0; i < samples; ++i)
        std::memcpy(&gathered[static_cast<size_t>(i) * size], view.data + i * stride * size, size);
    const TensorView sample{view.dtype, {samples}, samples, gathered.data(), gathered.size()};
    Result<TensorStats> stats = computeStats(sample, options, cancel);
    if (stats)
        stats->sampled = true;
    return stats;
}

} // namespace safescope
