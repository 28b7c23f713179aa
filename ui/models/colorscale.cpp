#include "ui/models/colorscale.h"

#include <algorithm>
#include <cmath>

namespace safescope {

ColorScale ColorScale::make(Kind kind, double lo, double hi, bool diverging, double threshold)
{
    ColorScale scale;
    scale.m_kind = kind;
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (lo > hi)
        std::swap(lo, hi);
    if (diverging) {
        const double m = std::max(std::abs(lo), std::abs(hi));
        lo = -m;
        hi = m;
    }
    // A flat slice still needs a non-empty range for the colour bar.
    if (hi - lo <= 0.0) {
        const double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.5;
        lo -= pad;
        hi += pad;
    }
    scale.m_lo = lo;
    scale.m_hi = hi;
    const double largest = std::max(std::abs(lo), std::abs(hi));
    scale.m_threshold = threshold > 0.0 ? threshold : largest / 1000.0;
    if (!(scale.m_threshold > 0.0))
        scale.m_threshold = 1.0;
    return scale;
}

double ColorScale::forward(double value) const
{
    if (m_kind == Kind::Linear || std::isnan(value))
        return value;
    return std::copysign(std::log10(1.0 + std::abs(value) / m_threshold), value);
}

double ColorScale::inverse(double coordinate) const
{
    if (m_kind == Kind::Linear || std::isnan(coordinate))
        return coordinate;
    return std::copysign((std::pow(10.0, std::abs(coordinate)) - 1.0) * m_threshold, coordinate);
}

std::vector<double> ColorScale::symlogTicks() const
{
    std::vector<double> ticks;
    if (m_lo <= 0.0 && m_hi >= 0.0)
        ticks.push_back(0.0);
    for (double magnitude = m_threshold; magnitude <= std::max(std::abs(m_lo), std::abs(m_hi)) * (1 + 1e-9);
         magnitude *= 10.0) {
        if (magnitude <= m_hi * (1 + 1e-9))
            ticks.push_back(magnitude);
        if (-magnitude >= m_lo * (1 + 1e-9))
            ticks.push_back(-magnitude);
    }
    std::sort(ticks.begin(), ticks.end());
    return ticks;
}

} // namespace safescope
