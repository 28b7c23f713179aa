#pragma once

#include <cstdint>
#include <vector>

namespace safescope {

/// How heatmap values map to colours: linearly, or symmetric-log (linear within +-threshold, logarithmic beyond),
/// which keeps both the bulk of small weights and rare large outliers readable in one picture.
class ColorScale final
{
public:
    enum class Kind : uint8_t
    {
        Linear,
        SymLog
    };

    /// A scale over [lo, hi]; a diverging scale is widened to be symmetric around 0 so that 0 sits at the centre
    /// colour. A symlog threshold <= 0 picks a thousandth of the largest magnitude (three decades of log).
    static ColorScale make(Kind kind, double lo, double hi, bool diverging, double threshold = 0.0);

    Kind kind() const { return m_kind; }
    double lo() const { return m_lo; }
    double hi() const { return m_hi; }
    double threshold() const { return m_threshold; }

    /// Value to colour coordinate (identity for Linear); monotonic, odd, finite for finite input; NaN stays NaN.
    double forward(double value) const;
    /// Colour coordinate back to a value.
    double inverse(double coordinate) const;
    /// Range of colour coordinates: forward(lo), forward(hi).
    double coordinateLo() const { return forward(m_lo); }
    double coordinateHi() const { return forward(m_hi); }
    /// Values worth a labelled tick on a SymLog colour bar: 0 and +-threshold * 10^k inside [lo, hi].
    std::vector<double> symlogTicks() const;

private:
    Kind m_kind = Kind::Linear;
    double m_lo = 0.0;
    double m_hi = 1.0;
    double m_threshold = 1.0;
};

} // namespace safescope
