#pragma once

#include <QString>

#include <span>
#include <utility>
#include <vector>

namespace safescope {

/// A log10 colour scale for non-negative metrics that span decades (relative L2 of 1e-6 next to 0.3). Zeros and
/// values below the floor are drawn at the floor: a decade under the smallest positive value, so an identical pair
/// reads as "less than anything that changed" without stretching the bar over 300 decades.
class LogColorScale final
{
public:
    /// Fitted to the finite values; with no positive value the scale is [1e-6, 1] (any floor would do).
    static LogColorScale fit(std::span<const double> values);

    double floor() const { return m_floor; }
    double top() const { return m_top; }
    /// Colour coordinate: log10(max(value, floor)); NaN stays NaN (blank cell), +inf is drawn at the top.
    double forward(double value) const;
    double coordinateLo() const;
    double coordinateHi() const;
    /// Colour-bar ticks: (coordinate, label in the metric's own units), one per decade, thinned to at most
    /// `maxTicks`; the floor is labelled "≤ floor".
    std::vector<std::pair<double, QString>> ticks(int maxTicks = 8) const;

private:
    double m_floor = 1e-6;
    double m_top = 1.0;
};

} // namespace safescope
