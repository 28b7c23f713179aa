#include "ui/plots/plotpalette.h"

#include <QPalette>
#include <qcustomplot.h>

namespace safescope::plotpalette {

void apply(QCustomPlot* plot, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    const QColor grid = palette.color(QPalette::Mid);
    plot->setBackground(palette.brush(QPalette::Base));
    const QList<QCPAxisRect*> rects = plot->axisRects();
    for (QCPAxisRect* rect : rects) {
        const QList<QCPAxis*> axes = rect->axes();
        for (QCPAxis* axis : axes) {
            axis->setBasePen(QPen(grid));
            axis->setTickPen(QPen(grid));
            axis->setSubTickPen(QPen(grid));
            axis->setTickLabelColor(text);
            axis->setLabelColor(text);
            axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
            axis->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    const QList<QCPLayoutElement*> elements = plot->plotLayout()->elements(true);
    for (QCPLayoutElement* element : elements) {
        if (auto* scale = qobject_cast<QCPColorScale*>(element)) {
            QCPAxis* axis = scale->axis();
            axis->setBasePen(QPen(grid));
            axis->setTickPen(QPen(grid));
            axis->setSubTickPen(QPen(grid));
            axis->setTickLabelColor(text);
            axis->setLabelColor(text);
        }
    }
    for (int i = 0; i < plot->itemCount(); ++i) {
        if (auto* label = qobject_cast<QCPItemText*>(plot->item(i)))
            label->setColor(text);
    }
    if (plot->selectionRect()) {
        QColor fill = palette.color(QPalette::Highlight);
        plot->selectionRect()->setPen(QPen(fill, 1, Qt::DashLine));
        fill.setAlpha(50);
        plot->selectionRect()->setBrush(fill);
    }
}

} // namespace safescope::plotpalette
