#include "ui/plots/colorgradients.h"

#include <qcustomplot.h>

#include <utility>

namespace safescope::colorgradients {

namespace {

QCPColorGradient fromStops(std::initializer_list<std::pair<double, const char*>> stops, const QColor& nanColor)
{
    QCPColorGradient gradient;
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    // Enough levels that neighbouring values never share a colour on a 4K-wide map.
    gradient.setLevelCount(1024);
    for (const auto& [position, color] : stops)
        gradient.setColorStopAt(position, QColor(QLatin1StringView(color)));
    gradient.setNanHandling(QCPColorGradient::nhNanColor);
    gradient.setNanColor(nanColor);
    return gradient;
}

} // namespace

QCPColorGradient sequential(const QColor& nanColor)
{
    return fromStops({{0.0, "#440154"},
                      {0.125, "#472d7b"},
                      {0.25, "#3b528b"},
                      {0.375, "#2c728e"},
                      {0.5, "#21918c"},
                      {0.625, "#28ae80"},
                      {0.75, "#5ec962"},
                      {0.875, "#addc30"},
                      {1.0, "#fde725"}},
                     nanColor);
}

QCPColorGradient diverging(const QColor& nanColor)
{
    return fromStops({{0.0, "#053061"},
                      {0.17, "#2166ac"},
                      {0.33, "#92c5de"},
                      {0.5, "#f7f7f7"},
                      {0.67, "#f4a582"},
                      {0.83, "#b2182b"},
                      {1.0, "#67001f"}},
                     nanColor);
}

} // namespace safescope::colorgradients
