#pragma once

#include "core/io/parallelchunks.h"
#include "core/values/tensorstats.h"

#include <atomic>

namespace safescope {

class Dequantizer;

/// Statistics of a quantized tensor's dequantized values (moments, classes, percentiles and histogram as
/// computeStats() gives them for a float tensor), on all cores. Values are decoded tile by tile into cache-sized
/// float buffers and never held whole. Two passes like the generic path: moments, then a fine histogram for
/// percentiles (percentileError says how close they are). `dtype` of the result is F32 (what values decode to).
/// Cancelled when `cancel` becomes true; FileChanged when the file shrank underneath.
Result<TensorStats> computeDequantizedStats(const Dequantizer& dequantizer, const StatsOptions& options,
                                            const std::atomic_bool& cancel, const ProgressFn& progress = {});

} // namespace safescope
