#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace safescope {

/// Linear bins over values, or logarithmic bins over magnitudes |x| (for weights spanning decades; zeros are
/// then left out of the histogram and only counted in the statistics' `zeros`).
enum class BinScale : uint8_t
{
    Linear,
    Log
};

/// What histogram to build.
struct HistogramSpec
{
    int bins = 256;
    std::optional<std::pair<double, double>> range; ///< default: [min, max] of finite values (Log: of |x| != 0)
    BinScale scale = BinScale::Linear;

    /// Same bins, range and scale: the same histogram (what the viewer's statistics cache is keyed on).
    bool operator==(const HistogramSpec&) const = default;
};

/// A histogram of finite values. NaN and +-Inf are never binned (the statistics count them apart).
struct Histogram
{
    BinScale scale = BinScale::Linear;
    std::vector<double> edges;    ///< bins + 1 edges, ascending
    std::vector<uint64_t> counts; ///< bins counts
    uint64_t below = 0;           ///< finite values under the first edge (a user range)
    uint64_t above = 0;           ///< finite values over the last edge (a user range)
};

/// The bin of a value: t = (x - lo) * (bins / (hi - lo)) in double; t in [0, limit] gives bin min(floor(t), bins - 1),
/// t < 0 is below, t > limit above (Log: the same over log2|x|). Every statistics path uses this one rule, so the
/// exact, generic and re-binned histograms agree to the count.
class Binning final
{
public:
    /// Resolves a spec against the data's extent: [lo, hi] default to the finite min/max (Log: the smallest
    /// non-zero and the largest magnitude). An empty or single-valued extent is widened like numpy does.
    static Binning resolve(const HistogramSpec& spec, double finiteMin, double finiteMax, double minAbsNonZero,
                           double maxAbs);

    BinScale scale() const { return m_scale; }
    int bins() const { return m_bins; }
    double lo() const { return m_lo; }         ///< first edge (Log: of |x|)
    double hi() const { return m_hi; }         ///< last edge
    double origin() const { return m_origin; } ///< lo, or log2(lo) for Log
    double factor() const { return m_factor; } ///< bins per unit of (x - origin)
    double limit() const { return m_limit; }   ///< largest t still binned (bins, or infinity for a default range)

    /// Bin index, -1 below the range, bins() above it; -2 for values not binned (NaN, Inf, zero in Log).
    int binOf(double value) const;
    /// An empty histogram with these edges.
    Histogram makeHistogram() const;

private:
    BinScale m_scale = BinScale::Linear;
    int m_bins = 1;
    double m_lo = 0.0;
    double m_hi = 1.0;
    double m_origin = 0.0;
    double m_factor = 1.0;
    double m_limit = 1.0;
};

/// The bin position t = (x - origin) * factor, shared with the vector kernels so they round identically.
inline double binPosition(double value, double origin, double factor)
{
    return (value - origin) * factor;
}

} // namespace safescope
