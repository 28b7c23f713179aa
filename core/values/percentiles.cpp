#include "core/values/percentiles.h"

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

// numpy's default rule: the value at fractional rank (n - 1) * p between the two neighbouring order statistics.
template <typename ValueAtRank> PercentileArray linearRule(uint64_t n, ValueAtRank valueAtRank)
{
    PercentileArray out;
    for (size_t i = 0; i < kPercentileLevels.size(); ++i) {
        if (n == 0) {
            out[i] = std::nan("");
            continue;
        }
        const double h = static_cast<double>(n - 1) * kPercentileLevels[i] / 100.0;
        const uint64_t k = std::min<uint64_t>(static_cast<uint64_t>(h), n - 1);
        const double frac = h - static_cast<double>(k);
        const double a = valueAtRank(k);
        out[i] = frac > 0.0 && k + 1 < n ? a + frac * (valueAtRank(k + 1) - a) : a;
    }
    return out;
}

} // namespace

PercentileArray exactPercentiles(const std::vector<std::pair<double, uint64_t>>& sorted, uint64_t n)
{
    std::vector<uint64_t> cumulative(sorted.size());
    uint64_t running = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
        running += sorted[i].second;
        cumulative[i] = running;
    }
    return linearRule(n, [&](uint64_t rank) {
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), rank);
        if (it == cumulative.end()) // counts summing to less than n: the largest value, never past the array
            return sorted.empty() ? std::nan("") : sorted.back().first;
        return sorted[static_cast<size_t>(it - cumulative.begin())].first;
    });
}

PercentileArray histogramPercentiles(const std::vector<uint64_t>& counts, double lo, double width, uint64_t n,
                                     double min, double max)
{
    std::vector<uint64_t> cumulative(counts.size());
    uint64_t running = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        running += counts[i];
        cumulative[i] = running;
    }
    return linearRule(n, [&](uint64_t rank) {
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), rank);
        // Values that rounding kept out of every bin (at the top edge of huge 64-bit ranges) leave the counts
        // short of n: those ranks are the maximum. Found by fuzz_values.
        if (it == cumulative.end())
            return max;
        const size_t bin = static_cast<size_t>(it - cumulative.begin());
        const uint64_t before = cumulative[bin] - counts[bin];
        // Spread the bin's values evenly over it: the estimate and the true value share the bin.
        const double within = (static_cast<double>(rank - before) + 0.5) / static_cast<double>(counts[bin]);
        return std::clamp(lo + (static_cast<double>(bin) + within) * width, min, max);
    });
}

} // namespace safescope
