#pragma once

#include "core/io/parallelchunks.h"
#include "core/quant/dequantizer.h"
#include "core/values/tensorstats.h"
#include "core/values/valuetotals.h"

#include <atomic>

namespace safescope {

/// Bytes of code counts kept between the passes (a 1 GiB FP8 weight with 128x128 blocks needs 32 MiB).
inline constexpr uint64_t kKeptCountsBudget = uint64_t(64) << 20;

/// True when counting a scheme's CodeLayout pays: codes offered (at most 256), segments that fit 16-bit counters
/// and hold a few elements per code at least.
bool usableCodeLayout(const CodeLayout& layout);

/// computeDequantizedStats() for a scheme that offers code counts: each segment's codes are counted, and the
/// statistics and histograms follow from (value, count) pairs, a few hundred per segment instead of a float
/// operation per element. The same numbers as decoding every value: extremes, classes and every histogram count
/// identical, sums and moments equal up to the order of additions. Reads the codes once when the counts of all
/// segments fit `keptBudget` bytes, twice otherwise; never holds more than that.
Result<TensorStats> computeCodeCountStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                          const std::atomic_bool& cancel, const ProgressFn& progress = {},
                                          uint64_t keptBudget = kKeptCountsBudget);

/// The statistics of a dequantized tensor of `count` elements (dtype F32, what values decode to) from the merged
/// pass 1 totals and the per-worker pass 2 counters.
TensorStats finishDequantizedStats(uint64_t count, const ValueTotals& total, const HistogramPlan& plan,
                                   const std::vector<HistogramCounts>& perWorker);

/// True when a scheme's segments can be counted per key (CodeLayout::keys) within the key tables' budget.
bool usableKeyedLayout(const CodeLayout& layout, uint64_t elementCount);

/// computeDequantizedStats() for a scheme whose segments' values follow from a key: the codes are read once and
/// their counts added up per key (a GPTQ group's zero point and scale), so the statistics follow from a few
/// thousand (value, count) pairs whatever the tensor's size. The same numbers as computeCodeCountStats().
Result<TensorStats> computeKeyedCountStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                           const std::atomic_bool& cancel, const ProgressFn& progress = {});

} // namespace safescope
