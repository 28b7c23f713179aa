#pragma once

#include "core/values/tensorstats.h"

namespace safescope {

/// The two-pass path for any dtype: moments and counts first, then a fine histogram over [min, max] from which
/// percentiles are interpolated (error bound: one fine bin). C64 yields magnitude, real and imaginary stats.
Result<TensorStats> computeGenericStats(const TensorView& view, const StatsOptions& options,
                                        const std::atomic_bool& cancel, const ProgressFn& progress);

} // namespace safescope
