#include "ui/models/logcolorscale.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace safescope {

namespace {

// Below this the metric is rounding noise of doubles; a floor lower still would only add empty decades.
constexpr double kLowestFloor = 1e-15;

} // namespace

LogColorScale LogColorScale::fit(std::span<const double> values)
{
    double smallest = std::numeric_limits<double>::infinity();
    double largest = 0.0;
    for (double v : values) {
        if (std::isfinite(v) && v > 0.0) {
            smallest = std::min(smallest, v);
            largest = std::max(largest, v);
        }
    }
    LogColorScale scale;
    if (!(largest > 0.0))
        return scale;
    // Whole decades, so the bar's ends carry round labels.
    scale.m_floor = std::max(kLowestFloor, std::pow(10.0, std::floor(std::log10(smallest)) - 1.0));
    scale.m_top = std::pow(10.0, std::ceil(std::log10(largest)));
    if (scale.m_top <= scale.m_floor)
        scale.m_top = scale.m_floor * 10.0;
    return scale;
}

double LogColorScale::forward(double value) const
{
    if (std::isnan(value))
        return value;
    if (std::isinf(value) && value > 0)
        return coordinateHi();
    return std::log10(std::max(value, m_floor));
}

double LogColorScale::coordinateLo() const
{
    return std::log10(m_floor);
}

double LogColorScale::coordinateHi() const
{
    return std::log10(m_top);
}

std::vector<std::pair<double, QString>> LogColorScale::ticks(int maxTicks) const
{
    const int lo = static_cast<int>(std::lround(coordinateLo()));
    const int hi = static_cast<int>(std::lround(coordinateHi()));
    const int step = std::max(1, (hi - lo + maxTicks - 1) / std::max(1, maxTicks - 1));
    std::vector<std::pair<double, QString>> out;
    for (int e = hi; e >= lo; e -= step) {
        const double value = std::pow(10.0, e);
        QString label = QString::number(value, 'g', 1);
        if (e == lo)
            label = QStringLiteral("\u2264 ") + label;
        out.emplace_back(static_cast<double>(e), label);
    }
    if (out.back().first != lo)
        out.emplace_back(static_cast<double>(lo), QStringLiteral("\u2264 ") + QString::number(m_floor, 'g', 1));
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace safescope
