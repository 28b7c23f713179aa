#pragma once

#include "core/values/tensorstats.h"

namespace safescope {

/// Exact statistics of a <= 16-bit tensor from its bit-pattern counts (no tensor access).
ValueStats statsFromCounts(const PatternCounts& counts, const HistogramSpec& spec);

/// BOOL's false/true/other counts from its byte counts.
BoolCounts boolCountsFromPatterns(const PatternCounts& counts);

} // namespace safescope
