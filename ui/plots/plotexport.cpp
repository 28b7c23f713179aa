#include "ui/plots/plotexport.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <qcustomplot.h>

namespace safescope::plotexport {

QString save(QCustomPlot* plot, const QString& path)
{
    const int width = plot->width();
    const int height = plot->height();
    if (QFileInfo(path).suffix().compare(QStringLiteral("svg"), Qt::CaseInsensitive) == 0) {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(width, height));
        generator.setViewBox(QRect(0, 0, width, height));
        generator.setTitle(QStringLiteral("SafeScope plot"));
        QCPPainter painter;
        if (!painter.begin(&generator))
            return QObject::tr("Cannot write %1.").arg(QDir::toNativeSeparators(path));
        plot->toPainter(&painter, width, height);
        painter.end();
        return QFileInfo(path).size() > 0 ? QString() : QObject::tr("Cannot write %1.").arg(path);
    }
    // Twice the widget's pixels keeps text crisp when the image is scaled down in documents.
    if (!plot->savePng(path, width, height, 2.0))
        return QObject::tr("Cannot write %1.").arg(QDir::toNativeSeparators(path));
    return {};
}

void saveWithDialog(QCustomPlot* plot, QWidget* parent, const QString& suggestedName)
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export Plot"),
                                                      QDir(dir).filePath(suggestedName + QStringLiteral(".png")),
                                                      QObject::tr("PNG image (*.png);;SVG image (*.svg)"));
    if (path.isEmpty())
        return;
    if (const QString error = save(plot, path); !error.isEmpty())
        QMessageBox::warning(parent, QObject::tr("Export Plot"), error);
}

} // namespace safescope::plotexport
