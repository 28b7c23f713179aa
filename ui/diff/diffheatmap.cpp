#include "ui/diff/diffheatmap.h"

#include "ui/plots/colorgradients.h"
#include "ui/plots/plotpalette.h"

#include <QEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace safescope {

DiffHeatmap::DiffHeatmap(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_map(new QCPColorMap(m_plot->xAxis, m_plot->yAxis)),
      m_colorBar(new QCPColorScale(m_plot)), m_empty(new QCPItemText(m_plot))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setObjectName(QStringLiteral("diffHeatmapPlot"));
    m_plot->setMinimumSize(240, 200);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
    // Layer 0 at the top, as the names read in the table.
    m_plot->yAxis->setRangeReversed(true);
    m_plot->yAxis->setLabel(tr("Layer"));
    // Module names stand upright, one column each: slanted, long names ran into their neighbours.
    m_plot->xAxis->setTickLabelRotation(90);
    m_plot->plotLayout()->addElement(0, 1, m_colorBar);
    m_colorBar->setBarWidth(14);
    m_map->setColorScale(m_colorBar);
    m_map->setInterpolate(false);
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_colorBar->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_empty->setPositionAlignment(Qt::AlignCenter);
    m_empty->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_empty->position->setCoords(0.5, 0.5);
    applyPalette();
    setGrid({}, {});
}

DiffHeatmap::~DiffHeatmap() = default;

void DiffHeatmap::applyPalette()
{
    plotpalette::apply(m_plot, palette());
    // Blank cells (missing pairs) take the plot background, so they read as "nothing here". The bright end is
    // always "changed most": reversed for a metric that grows as pairs get closer (SQNR).
    const QCPColorGradient gradient = colorgradients::sequential(palette().color(QPalette::Base));
    m_map->setGradient(m_grid.higherIsCloser ? gradient.inverted() : gradient);
}

void DiffHeatmap::setGrid(DiffLayerGrid grid, const QString& metricName)
{
    m_grid = std::move(grid);
    m_metricName = metricName;
    const int rows = m_grid.rowCount();
    const int cols = m_grid.columnCount();
    m_empty->setVisible(m_grid.isEmpty());
    m_empty->setText(tr("No layer-indexed tensors (layers.N, blocks.N, h.N, layer.N) to lay out."));
    m_map->setVisible(!m_grid.isEmpty());
    m_colorBar->setVisible(!m_grid.isEmpty());
    if (m_grid.isEmpty()) {
        m_plot->replot();
        return;
    }
    applyPalette(); // the gradient's direction follows the metric
    m_map->data()->setSize(cols, rows);
    m_map->data()->setRange(QCPRange(0, std::max(cols - 1, 1)), QCPRange(0, std::max(rows - 1, 1)));
    // A one-cell range would be drawn stretched over [0, 1]: a 1 x n grid is laid out over a range of 1 as well.
    if (cols == 1)
        m_map->data()->setKeyRange(QCPRange(0, 1));
    if (rows == 1)
        m_map->data()->setValueRange(QCPRange(0, 1));
    applyScale();

    m_plot->xAxis->setRange(-0.5, cols - 0.5);
    m_plot->yAxis->setRange(-0.5, rows - 0.5);
    updateTickers();
    m_plot->replot();
}

void DiffHeatmap::updateTickers()
{
    if (m_grid.isEmpty())
        return;
    const int rows = static_cast<int>(m_grid.layers.size());
    const int cols = static_cast<int>(m_grid.modules.size());
    // A label every k-th row or column, k chosen so that labels are at least a line apart at the plot's size.
    const int line = m_plot->fontMetrics().height() + 2;
    const auto stepFor = [line](int count, int pixels) {
        return pixels <= 0 ? std::max(1, count / 24) : std::max(1, (count * line + pixels - 1) / pixels);
    };
    const int colStep = stepFor(cols, m_plot->axisRect()->width());
    const int rowStep = stepFor(rows, m_plot->axisRect()->height());
    auto xTicker = QSharedPointer<QCPAxisTickerText>::create();
    for (int c = 0; c < cols; c += colStep)
        xTicker->addTick(c, m_grid.modules[c]);
    m_plot->xAxis->setTicker(xTicker);
    auto yTicker = QSharedPointer<QCPAxisTickerText>::create();
    for (int r = 0; r < rows; r += rowStep)
        yTicker->addTick(r, QString::number(m_grid.layers[static_cast<size_t>(r)]));
    m_plot->yAxis->setTicker(yTicker);
}

int DiffHeatmap::labelStep(Qt::Orientation orientation) const
{
    // QCPAxisTickerText::ticks() is not const; the labels are read from a copy of the map.
    auto* ticker = dynamic_cast<QCPAxisTickerText*>(
        (orientation == Qt::Horizontal ? m_plot->xAxis : m_plot->yAxis)->ticker().data());
    if (!ticker)
        return 1;
    const QMap<double, QString> ticks = ticker->ticks();
    if (ticks.size() < 2)
        return 1;
    return static_cast<int>(std::next(ticks.begin()).key() - ticks.begin().key());
}

void DiffHeatmap::setLogScale(bool log)
{
    if (log == m_log)
        return;
    m_log = log;
    if (!m_grid.isEmpty()) {
        applyScale();
        m_plot->replot();
    }
}

double DiffHeatmap::cellCoordinate(int row, int column) const
{
    return m_map->data()->cell(column, row);
}

void DiffHeatmap::applyScale()
{
    const int rows = m_grid.rowCount();
    const int cols = m_grid.columnCount();
    if (m_grid.higherIsCloser) {
        applyCloserScale();
        return;
    }
    m_logScale = LogColorScale::fit(m_grid.values);
    double hi = 0.0;
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            const double v = m_grid.value(r, c);
            m_map->data()->setCell(c, r, m_log ? m_logScale.forward(v) : v);
            if (std::isfinite(v))
                hi = std::max(hi, v);
        }
    }
    if (m_log) {
        m_map->setDataRange(QCPRange(m_logScale.coordinateLo(), m_logScale.coordinateHi()));
        // The bar runs in log10 coordinates; its ticks are labelled with the metric values they stand for.
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (const auto& [coordinate, label] : m_logScale.ticks())
            ticker->addTick(coordinate, label);
        m_colorBar->axis()->setTicker(ticker);
        m_colorBar->axis()->setLabel(tr("%1 (log scale)").arg(m_metricName));
    } else {
        m_map->setDataRange(QCPRange(0.0, hi > 0.0 ? hi : 1.0));
        m_colorBar->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_colorBar->axis()->setLabel(m_metricName);
    }
}

// A metric in decibels (SQNR) is logarithmic already: a linear bar over the finite values. Identical pairs (+inf:
// no error at all, the unquantized tensors of a quantization) are left blank, so the closest quantized weight is
// not mistaken for an untouched one.
void DiffHeatmap::applyCloserScale()
{
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const double v : m_grid.values) {
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    if (!std::isfinite(lo)) // nothing but identical pairs
        lo = 0.0, hi = 1.0;
    if (hi - lo < 1e-9)
        lo -= 1.0;
    for (int r = 0; r < m_grid.rowCount(); ++r) {
        for (int c = 0; c < m_grid.columnCount(); ++c) {
            const double v = m_grid.value(r, c);
            // +inf is no error at all (an SQNR of identical values): blank. -inf is the worst error there is (a
            // value lost to NaN or infinity): the far end of the scale, never blank.
            const double cell = v == std::numeric_limits<double>::infinity() ? std::numeric_limits<double>::quiet_NaN()
                                : v == -std::numeric_limits<double>::infinity() ? lo
                                                                                : v;
            m_map->data()->setCell(c, r, cell);
        }
    }
    m_map->setDataRange(QCPRange(lo, hi));
    m_colorBar->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
    m_colorBar->axis()->setLabel(m_metricName);
}

std::optional<std::pair<int, int>> DiffHeatmap::cellAt(const QPoint& position) const
{
    if (m_grid.isEmpty() || !m_plot->axisRect()->rect().contains(position))
        return std::nullopt;
    const int col = static_cast<int>(std::lround(m_plot->xAxis->pixelToCoord(position.x())));
    const int row = static_cast<int>(std::lround(m_plot->yAxis->pixelToCoord(position.y())));
    if (row < 0 || col < 0 || row >= m_grid.rowCount() || col >= m_grid.columnCount())
        return std::nullopt;
    return std::pair{row, col};
}

QPoint DiffHeatmap::cellCentre(int row, int column) const
{
    return QPoint(static_cast<int>(std::lround(m_plot->xAxis->coordToPixel(column))),
                  static_cast<int>(std::lround(m_plot->yAxis->coordToPixel(row))));
}

QString DiffHeatmap::cellText(int row, int column) const
{
    const QString where =
        tr("layer %1 \u00b7 %2").arg(m_grid.layers[static_cast<size_t>(row)]).arg(m_grid.modules[column]);
    if (m_grid.pair(row, column) < 0)
        return where + QLatin1Char('\n') + tr("no tensor");
    const double v = m_grid.value(row, column);
    return where + QLatin1Char('\n') + tr("pair %1").arg(m_grid.pair(row, column)) + QLatin1Char('\n') + m_metricName +
           QStringLiteral(": ") + (std::isnan(v) ? tr("not compared") : QString::number(v, 'g', 4));
}

bool DiffHeatmap::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot) {
        if (event->type() == QEvent::Resize) {
            // The axis rect follows the widget on the next replot: lay it out now so the label steps fit.
            m_plot->plotLayout()->setOuterRect(m_plot->rect());
            m_plot->plotLayout()->update(QCPLayoutElement::upLayout);
            updateTickers();
        } else if (event->type() == QEvent::MouseMove) {
            auto* mouse = static_cast<QMouseEvent*>(event);
            const auto cell = cellAt(mouse->position().toPoint());
            if (cell)
                QToolTip::showText(mouse->globalPosition().toPoint(), cellText(cell->first, cell->second), m_plot);
            else
                QToolTip::hideText();
        } else if (event->type() == QEvent::MouseButtonPress) {
            m_pressPosition = static_cast<QMouseEvent*>(event)->position().toPoint();
        } else if (event->type() == QEvent::MouseButtonRelease) {
            auto* mouse = static_cast<QMouseEvent*>(event);
            const QPoint at = mouse->position().toPoint();
            if (mouse->button() == Qt::LeftButton && (at - m_pressPosition).manhattanLength() < 4) {
                const auto cell = cellAt(at);
                if (cell && m_grid.pair(cell->first, cell->second) >= 0)
                    emit pairClicked(m_grid.pair(cell->first, cell->second));
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void DiffHeatmap::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        m_plot->replot();
    }
}

} // namespace safescope
