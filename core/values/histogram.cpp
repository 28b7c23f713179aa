#include "core/values/histogram.h"

#include <algorithm>
#include <cmath>

namespace safescope {

Binning Binning::resolve(const HistogramSpec& spec, double finiteMin, double finiteMax, double minAbsNonZero,
                         double maxAbs)
{
    Binning b;
    b.m_scale = spec.scale;
    b.m_bins = std::max(1, spec.bins);
    double lo = spec.scale == BinScale::Log ? minAbsNonZero : finiteMin;
    double hi = spec.scale == BinScale::Log ? maxAbs : finiteMax;
    if (spec.range) {
        lo = spec.range->first;
        hi = spec.range->second;
    }
    if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) {
        // No finite data (or a nonsensical range): a unit range keeps the edges meaningful and all counts 0.
        lo = spec.scale == BinScale::Log ? 1.0 : 0.0;
        hi = spec.scale == BinScale::Log ? 2.0 : 1.0;
    }
    if (spec.scale == BinScale::Log) {
        if (lo <= 0.0)
            lo = hi > 0.0 ? hi * 1e-30 : 1.0;
        if (hi <= lo)
            hi = lo * 2.0;
        b.m_origin = std::log2(lo);
        b.m_factor = b.m_bins / (std::log2(hi) - b.m_origin);
    } else {
        if (hi == lo) {
            lo -= 0.5;
            hi += 0.5;
        }
        b.m_origin = lo;
        b.m_factor = b.m_bins / (hi - lo);
    }
    b.m_lo = lo;
    b.m_hi = hi;
    // The data's own extent holds every finite value, but (hi - lo) * (bins / (hi - lo)) may round a hair above
    // bins: nothing is "above" a default range.
    b.m_limit = spec.range ? b.m_bins : HUGE_VAL;
    return b;
}

int Binning::binOf(double value) const
{
    double x = value;
    if (m_scale == BinScale::Log) {
        x = std::fabs(value);
        if (x == 0.0 || !std::isfinite(x))
            return -2;
        x = std::log2(x);
    } else if (!std::isfinite(x)) {
        return -2;
    }
    const double t = binPosition(x, m_origin, m_factor);
    if (std::isnan(t)) // a degenerate range (infinite width) places nothing; found by fuzz_values
        return -2;
    if (t < 0.0)
        return -1;
    if (t > m_limit)
        return m_bins;
    // t == bins is x == hi (up to rounding): it belongs to the last, closed bin. Compared as doubles first so a
    // huge t never reaches the int conversion.
    if (t >= static_cast<double>(m_bins))
        return m_bins - 1;
    return static_cast<int>(t);
}

Histogram Binning::makeHistogram() const
{
    Histogram h;
    h.scale = m_scale;
    h.counts.assign(static_cast<size_t>(m_bins), 0);
    h.edges.resize(static_cast<size_t>(m_bins) + 1);
    for (int i = 0; i <= m_bins; ++i) {
        const double t = m_origin + i / m_factor;
        h.edges[static_cast<size_t>(i)] = m_scale == BinScale::Log ? std::exp2(t) : t;
    }
    h.edges.front() = m_lo;
    h.edges.back() = m_hi;
    return h;
}

} // namespace safescope
