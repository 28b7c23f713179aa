#pragma once

class QCPColorGradient;
class QColor;

namespace safescope {

/// The heatmap's colour maps.
namespace colorgradients {

/// Perceptually uniform, dark to bright (viridis' published colour samples): for values of one sign.
QCPColorGradient sequential(const QColor& nanColor);
/// Blue through near-white to red, for data centred on 0 (the scale's range is made symmetric).
QCPColorGradient diverging(const QColor& nanColor);

} // namespace colorgradients

} // namespace safescope
