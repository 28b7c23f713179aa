#pragma once

#include "core/values/bitpatterncounter.h"
#include "core/format/error.h"
#include "core/values/histogram.h"
#include "core/io/parallelchunks.h"
#include "core/values/tensorview.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

namespace safescope {

/// The percentile levels every statistics result holds, in percent.
inline constexpr std::array<double, 9> kPercentileLevels{0.1, 1, 5, 25, 50, 75, 95, 99, 99.9};

/// Statistics of one real quantity. Moments, extremes, percentiles and the histogram are over finite values
/// only (NaN and +-Inf are counted apart); they are NaN when there is no finite value.
struct ValueStats
{
    uint64_t count = 0;  ///< all elements
    uint64_t finite = 0; ///< count - nan - posinf - neginf
    double min = 0.0;
    double max = 0.0;
    double mean = 0.0;
    double std = 0.0; ///< population standard deviation
    double sum = 0.0;
    double l2 = 0.0; ///< sqrt of the sum of squares
    uint64_t zeros = 0;
    uint64_t nan = 0;
    uint64_t posinf = 0;
    uint64_t neginf = 0;
    uint64_t subnormal = 0; ///< non-zero values below the dtype's smallest normal
    /// At kPercentileLevels, numpy's default "linear" rule: rank (finite - 1) * p / 100 between sorted values.
    std::array<double, kPercentileLevels.size()> percentiles{};
    Histogram histogram;
    bool exact = false;           ///< percentiles are exact (bit-pattern path)
    double percentileError = 0.0; ///< otherwise, the largest possible error of a percentile (a fine bin's width)
};

/// BOOL tensors: bytes 0 and 1, and any other byte value (not valid, but legal in a file).
struct BoolCounts
{
    uint64_t falseCount = 0;
    uint64_t trueCount = 0;
    uint64_t other = 0;
};

/// Statistics of a tensor. For C64 the base describes the magnitude |z| and `real`/`imag` the parts.
struct TensorStats : ValueStats
{
    DType dtype = DType::Unknown;
    bool sampled = false; ///< computed on a sample (computeStatsPreview)
    std::optional<ValueStats> real;
    std::optional<ValueStats> imag;
    std::optional<BoolCounts> bools;
    /// Counts of every code (exact path only): re-bin instantly with histogramFromCounts().
    std::shared_ptr<const PatternCounts> patterns;
};

struct StatsOptions
{
    HistogramSpec histogram;
    /// Use the two-pass decode path even for <= 16-bit dtypes (tests compare the two paths).
    bool forceGeneric = false;
    /// Bins of the internal histogram the approximate percentiles are read from.
    int fineBins = 65536;
};

/// Full statistics of a tensor on all cores: exact for dtypes of <= 16 bits (one pass counting bit patterns),
/// two passes otherwise (moments, then a fine histogram for percentiles). Cancelled when `cancel` becomes true.
Result<TensorStats> computeStats(const TensorView& view, const StatsOptions& options, const std::atomic_bool& cancel,
                                 const ProgressFn& progress = {});

/// Quick statistics from `sampleTarget` elements read as contiguous runs spread evenly over the tensor, flagged
/// sampled (exact when the tensor is small enough to be read whole). Meant to show a first histogram at once.
Result<TensorStats> computeStatsPreview(const TensorView& view, const StatsOptions& options,
                                        const std::atomic_bool& cancel, uint64_t sampleTarget = uint64_t(1) << 20);

/// A histogram of any binning straight from bit-pattern counts (no tensor access): for instant re-binning.
/// An unset range defaults to the counted values' extent.
Histogram histogramFromCounts(const PatternCounts& counts, const HistogramSpec& spec);

} // namespace safescope
