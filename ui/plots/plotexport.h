#pragma once

#include <QString>

class QCustomPlot;
class QWidget;

namespace safescope {

/// Saving plots as images: PNG through QCustomPlot, SVG through QSvgGenerator (vector, for papers and slides).
namespace plotexport {

/// Writes `plot` to `path`, the format chosen by the suffix (.svg, otherwise PNG). Returns an error text, empty
/// on success.
QString save(QCustomPlot* plot, const QString& path);

/// Asks for a file name and saves; reports failures in a message box.
void saveWithDialog(QCustomPlot* plot, QWidget* parent, const QString& suggestedName);

} // namespace plotexport

} // namespace safescope
