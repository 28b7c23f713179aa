#include "ui/slice/slicemapplot.h"

#include "ui/plots/plotpalette.h"

#include <QEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

// Cell k of the slice is drawn centred on coordinate k. Output cell i of n over `range` covers source cells
// [begin + i * count / n, ...), so its centre is begin - 0.5 + (i + 0.5) * count / n.
QCPRange centres(const IndexRange& range, uint64_t n)
{
    const double step = static_cast<double>(range.count) / static_cast<double>(n);
    const double first = static_cast<double>(range.begin) - 0.5 + 0.5 * step;
    return {first, first + step * static_cast<double>(n - 1)};
}

} // namespace

SliceMapPlot::SliceMapPlot(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_overview(new QCPColorMap(m_plot->xAxis, m_plot->yAxis)),
      m_detail(new QCPColorMap(m_plot->xAxis, m_plot->yAxis)), m_colorBar(new QCPColorScale(m_plot))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
    // Rows grow downwards, like the slice tables.
    m_plot->yAxis->setRangeReversed(true);
    // Rows and columns are whole numbers: ticks at multiples of 1 (a 3 x 1 tensor read -0.5 .. 2.5 before).
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        axis->setTicker(ticker);
    }
    m_plot->xAxis->setLabel(tr("Column"));
    m_plot->yAxis->setLabel(tr("Row"));
    m_plot->plotLayout()->addElement(0, 1, m_colorBar);
    m_colorBar->setBarWidth(14);
    m_overview->setColorScale(m_colorBar);
    m_detail->setColorScale(m_colorBar);
    // Pixels of a zoomed-in map are cells: smoothing would invent values between them.
    m_overview->setInterpolate(false);
    m_detail->setInterpolate(false);
    m_detail->setVisible(false);
    // The colour bar's margins follow the plot's, so the bar is exactly as tall as the map.
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_colorBar->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &SliceMapPlot::viewChanged);
    connect(m_plot->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &SliceMapPlot::viewChanged);
    plotpalette::apply(m_plot, palette());
}

SliceMapPlot::~SliceMapPlot() = default;

void SliceMapPlot::startSlice(const SliceAddressing& addressing)
{
    m_addressing = addressing;
    m_hasOverview = false;
    m_overviewData = {};
    clearDetail();
    m_overview->data()->clear();
    const QSignalBlocker xBlocker(m_plot->xAxis);
    const QSignalBlocker yBlocker(m_plot->yAxis);
    m_plot->xAxis->setRange(-0.5, static_cast<double>(addressing.cols) - 0.5);
    m_plot->yAxis->setRange(-0.5, static_cast<double>(addressing.rows) - 0.5);
    m_plot->replot();
}

void SliceMapPlot::clearSlice()
{
    // No rows and no columns, so cellAt() finds nothing to hover or click.
    m_addressing = {0, 0, 0, 0, 0};
    m_hasOverview = false;
    m_overviewData = {};
    clearDetail();
    m_overview->data()->clear();
    m_plot->replot();
}

void SliceMapPlot::setMessage(const QString& message)
{
    if (!m_message) {
        // Made on first use: a plot that never says anything keeps no item.
        if (message.isEmpty())
            return;
        m_message = new QCPItemText(m_plot);
        m_message->setPositionAlignment(Qt::AlignCenter);
        m_message->position->setType(QCPItemPosition::ptAxisRectRatio);
        m_message->position->setCoords(0.5, 0.5);
    }
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

void SliceMapPlot::setOverview(const Downsampled& cells, const Window& window)
{
    m_overviewData = cells;
    m_overviewWindow = window;
    m_hasOverview = true;
    setMessage({});
    refitColors();
    refill();
}

void SliceMapPlot::setDetail(const Downsampled& cells, const Window& window)
{
    m_detailData = cells;
    m_detailWindow = window;
    m_hasDetail = true;
    fill(m_detail, cells, window);
    m_detail->setVisible(true);
    m_plot->replot();
}

void SliceMapPlot::clearDetail()
{
    m_hasDetail = false;
    m_detail->setVisible(false);
    m_detail->data()->clear();
}

void SliceMapPlot::setScale(const ColorScale& scale, const QCPColorGradient& gradient)
{
    m_scale = scale;
    m_colorBar->setGradient(gradient);
    m_colorBar->setDataRange(QCPRange(scale.coordinateLo(), scale.coordinateHi()));
    if (scale.kind() == ColorScale::Kind::Linear) {
        m_colorBar->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
        return;
    }
    // The bar's axis runs in colour coordinates; label the ticks with the values they stand for.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (double value : scale.symlogTicks())
        ticker->addTick(scale.forward(value), QString::number(value, 'g', 2));
    m_colorBar->axis()->setTicker(ticker);
}

void SliceMapPlot::refill()
{
    // Cells hold colour coordinates, so a new scale means refilling from the kept values.
    if (m_hasOverview)
        fill(m_overview, m_overviewData, m_overviewWindow);
    if (m_hasDetail)
        fill(m_detail, m_detailData, m_detailWindow);
    m_plot->replot();
}

void SliceMapPlot::fill(QCPColorMap* map, const Downsampled& cells, const Window& window)
{
    if (cells.rows == 0 || cells.cols == 0) {
        map->data()->clear();
        return;
    }
    // QCPColorMap needs two cells per direction to know a cell's width; a single row or column is doubled.
    const int keys = static_cast<int>(std::max<uint64_t>(cells.cols, 2));
    const int values = static_cast<int>(std::max<uint64_t>(cells.rows, 2));
    map->data()->setSize(keys, values);
    map->data()->setRange(centres(window.cols, static_cast<uint64_t>(keys)),
                          centres(window.rows, static_cast<uint64_t>(values)));
    for (int r = 0; r < values; ++r) {
        const uint64_t sourceRow = std::min<uint64_t>(static_cast<uint64_t>(r), cells.rows - 1);
        for (int c = 0; c < keys; ++c) {
            const uint64_t sourceCol = std::min<uint64_t>(static_cast<uint64_t>(c), cells.cols - 1);
            const double v = cells.values[static_cast<size_t>(sourceRow * cells.cols + sourceCol)];
            map->data()->setCell(c, r, m_scale.forward(v));
        }
    }
    map->setDataRange(QCPRange(m_scale.coordinateLo(), m_scale.coordinateHi()));
}

SliceMapPlot::Window SliceMapPlot::visibleWindow() const
{
    const auto clip = [](const QCPRange& range, uint64_t size) {
        const double lo = std::clamp(std::floor(range.lower + 0.5), 0.0, static_cast<double>(size));
        const double hi = std::clamp(std::ceil(range.upper + 0.5), 0.0, static_cast<double>(size));
        return IndexRange{static_cast<uint64_t>(lo), static_cast<uint64_t>(std::max(hi - lo, 0.0))};
    };
    return {clip(m_plot->yAxis->range(), m_addressing.rows), clip(m_plot->xAxis->range(), m_addressing.cols)};
}

QSize SliceMapPlot::pixelSize() const
{
    const QRect rect = m_plot->axisRect()->rect();
    return {std::max(rect.width(), 16), std::max(rect.height(), 16)};
}

std::optional<std::pair<uint64_t, uint64_t>> SliceMapPlot::cellAt(const QPoint& position) const
{
    if (!m_plot->axisRect()->rect().contains(position))
        return std::nullopt;
    const double col = std::floor(m_plot->xAxis->pixelToCoord(position.x()) + 0.5);
    const double row = std::floor(m_plot->yAxis->pixelToCoord(position.y()) + 0.5);
    if (col < 0 || row < 0 || col >= static_cast<double>(m_addressing.cols) ||
        row >= static_cast<double>(m_addressing.rows))
        return std::nullopt;
    return std::pair{static_cast<uint64_t>(row), static_cast<uint64_t>(col)};
}

QPoint SliceMapPlot::cellCentre(uint64_t row, uint64_t col) const
{
    return QPoint(static_cast<int>(std::lround(m_plot->xAxis->coordToPixel(static_cast<double>(col)))),
                  static_cast<int>(std::lround(m_plot->yAxis->coordToPixel(static_cast<double>(row)))));
}

bool SliceMapPlot::eventFilter(QObject* watched, QEvent* event)
{
    const auto type = event->type();
    if (watched == m_plot &&
        (type == QEvent::MouseMove || type == QEvent::MouseButtonPress || type == QEvent::MouseButtonRelease)) {
        const auto* mouse = static_cast<QMouseEvent*>(event);
        const QPoint at = mouse->position().toPoint();
        if (type == QEvent::MouseMove) {
            if (const auto cell = cellAt(at))
                QToolTip::showText(mouse->globalPosition().toPoint(), cellText(cell->first, cell->second), m_plot);
            else
                QToolTip::hideText();
        } else if (type == QEvent::MouseButtonPress) {
            m_pressPosition = at;
        } else if ((at - m_pressPosition).manhattanLength() < 4) {
            // A release where the press was is a click; anything further was a pan.
            if (const auto cell = cellAt(at))
                emit cellClicked(cell->first, cell->second);
        }
    }
    return QWidget::eventFilter(watched, event);
}

void SliceMapPlot::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        plotpalette::apply(m_plot, palette());
        refitColors();
        refill();
    }
}

} // namespace safescope
