#pragma once

class QCustomPlot;
class QPalette;

namespace safescope {

/// QCustomPlot draws black on white by default; this recolours a plot's background, axes, grids and text items
/// from the widget palette so plots follow the user's (light or dark) theme. Call again on PaletteChange.
namespace plotpalette {

void apply(QCustomPlot* plot, const QPalette& palette);

} // namespace plotpalette

} // namespace safescope
