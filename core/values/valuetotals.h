#pragma once

#include "core/values/histogram.h"
#include "core/values/moments.h"
#include "core/values/statskernels.h"
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

    /// Bins up to kStatsBlock values into the fine histogram (binBlock), through 32-bit counters: a scatter over
    /// 65,537 of them touches half the cache that 64-bit ones do (the hot middle of a weight's histogram then fits
    /// L1). They are added to `fine` before any could overflow; statsFromTotals() reads both.
    void binFine(ElementType type, const unsigned char* data, size_t n, const HistogramPlan& plan);

    std::vector<uint64_t> fine;       ///< fineBins + 1 slots
    std::vector<uint32_t> recentFine; ///< fineBins + 1 slots binned since the last move to `fine`, or empty
    uint64_t recentValues = 0;        ///< values binned into recentFine: the most any of its counters holds
    uint64_t moveAfter = UINT32_MAX;  ///< the most recentFine may hold before it moves to `fine` (tests lower it)
    std::vector<uint64_t> coarse;     ///< bins + 1 slots, empty when derivable
    uint64_t fineBelow = 0, fineAbove = 0, below = 0, above = 0;
};

/// The statistics of `count` elements from the merged pass 1 totals and the per-worker pass 2 counters:
/// moments and classes as pass 1 found them, the histogram, and percentiles read from the fine histogram
/// (percentileError: one fine bin).
ValueStats statsFromTotals(uint64_t count, const ValueTotals& total, const HistogramPlan& plan,
                           const std::vector<HistogramCounts>& perWorker);

} // namespace safescope
