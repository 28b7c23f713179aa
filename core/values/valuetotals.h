#pragma once

#include "core/values/histogram.h"
#include "core/values/moments.h"
#include "core/values/tensorstats.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace safescope {

// What every two-pass statistics path shares (decoding a float tensor, genericstats.cpp; decoding or counting a
// quantized one, core/quant), so that all bin with the same rules and assemble the same result: the code-count
// paths must give the decode path's numbers to the count (tst_quantstats compares them).

/// Pass 1 of the statistics: moments, extremes and classes of the finite values, one per worker.
struct ValueTotals
{
    Moments moments;
    ClassCounts classes;
    double minAbsNonZero = HUGE_VAL;

    void merge(const ValueTotals& o)
    {
        moments.merge(o.moments);
        classes.merge(o.classes);
        minAbsNonZero = std::fmin(minAbsNonZero, o.minAbsNonZero);
    }
};

/// The binnings pass 2 fills: a fine histogram over [min, max] for percentiles, and the requested one unless it
/// follows exactly from the fine one (same extent, power-of-two ratio of bin counts).
struct HistogramPlan
{
    HistogramPlan(const ValueTotals& total, const StatsOptions& options);

    int fineBins = 1;
    Binning fine;
    Binning coarse;
    bool derivable = false;
};

/// Pass 2's counters of one worker; slot 0 of each vector swallows values that are not binned, as binBlock() has it.
struct HistogramCounts
{
    explicit HistogramCounts(const HistogramPlan& plan);

    std::vector<uint64_t> fine;   ///< fineBins + 1 slots
    std::vector<uint64_t> coarse; ///< bins + 1 slots, empty when derivable
    uint64_t fineBelow = 0, fineAbove = 0, below = 0, above = 0;
};

/// The statistics of `count` elements from the merged pass 1 totals and the per-worker pass 2 counters:
/// moments and classes as pass 1 found them, the histogram, and percentiles read from the fine histogram
/// (percentileError: one fine bin).
ValueStats statsFromTotals(uint64_t count, const ValueTotals& total, const HistogramPlan& plan,
                           const std::vector<HistogramCounts>& perWorker);

} // namespace safescope
