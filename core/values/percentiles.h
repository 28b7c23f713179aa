#pragma once

#include "core/values/tensorstats.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace safescope {

using PercentileArray = std::array<double, kPercentileLevels.size()>;

/// Exact percentiles (numpy "linear") of a multiset given as (value, count) pairs sorted by value; n = sum of counts.
PercentileArray exactPercentiles(const std::vector<std::pair<double, uint64_t>>& sorted, uint64_t n);

/// Percentiles interpolated inside the bins of a fine linear histogram whose bin b spans
/// [lo + b * width, lo + (b + 1) * width]; n = sum of counts. Each result is within `width` of the exact one.
PercentileArray histogramPercentiles(const std::vector<uint64_t>& counts, double lo, double width, uint64_t n,
                                     double min, double max);

} // namespace safescope
