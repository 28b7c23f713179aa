#include "ui/plots/histogramplot.h"

#include "core/text/format.h"
#include "ui/plots/plotpalette.h"

#include <QEvent>
#include <QMouseEvent>
#include <QResizeEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

QString edgeText(double value)
{
    return QString::number(value, 'g', 6);
}

} // namespace

HistogramPlot::HistogramPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setObjectName(QStringLiteral("histogramPlot"));
    m_plot->setMinimumSize(240, 160);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->yAxis->setLabel(tr("Count"));
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
    connect(m_plot->selectionRect(), &QCPSelectionRect::accepted, this,
            [this](const QRect& rect, QMouseEvent*) { onSelectionAccepted(rect); });

    m_note = new QCPItemText(m_plot);
    m_note->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_note->position->setCoords(0.99, 0.02);
    m_note->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    m_note->setPadding(QMargins(6, 3, 6, 3));
    m_note->setClipToAxisRect(false);
    plotpalette::apply(m_plot, palette());
}

HistogramPlot::~HistogramPlot() = default;

void HistogramPlot::clear(const QString& message)
{
    m_histogram = {};
    m_categories.clear();
    rebuildBars();
    m_note->setText(message);
    m_plot->replot();
}

void HistogramPlot::setHistogram(const Histogram& histogram, const QString& note)
{
    m_histogram = histogram;
    m_categories.clear();
    m_note->setText(note);
    rebuildBars();
    fitAxes();
}

void HistogramPlot::setBoolCounts(const BoolCounts& counts, const QString& note)
{
    // A histogram with unit bins at 0, 1 (and 2 for other bytes) reuses the same drawing and hover code.
    m_histogram = {};
    m_categories = {tr("false"), tr("true")};
    m_histogram.counts = {counts.falseCount, counts.trueCount};
    if (counts.other > 0) {
        m_categories.push_back(tr("other"));
        m_histogram.counts.push_back(counts.other);
    }
    for (size_t i = 0; i <= m_histogram.counts.size(); ++i)
        m_histogram.edges.push_back(static_cast<double>(i) - 0.5);
    m_note->setText(note);
    rebuildBars();
    fitAxes();
}

void HistogramPlot::setLogY(bool logY)
{
    if (logY == m_logY)
        return;
    m_logY = logY;
    rebuildBars();
    fitAxes();
}

uint64_t HistogramPlot::total() const
{
    uint64_t sum = 0;
    for (uint64_t c : m_histogram.counts)
        sum += c;
    return sum;
}

void HistogramPlot::rebuildBars()
{
    if (m_shape)
        m_plot->removePlottable(m_shape);
    m_shape = nullptr;
    m_plot->yAxis->setScaleType(m_logY ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (m_logY)
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    if (m_histogram.scale == BinScale::Log && m_categories.empty()) {
        rebuildSteps();
        return;
    }
    m_plot->xAxis->setScaleType(QCPAxis::stLinear);
    auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_shape = bars;
    bars->setWidthType(QCPBars::wtPlotCoords);
    const QColor fill = palette().color(QPalette::Highlight);
    bars->setPen(QPen(fill.darker(130), 0));
    bars->setBrush(fill);

    // Log axes cannot show 0; empty bins are left out, and bars grow from 0.5 so a count of 1 is still visible.
    bars->setBaseValue(m_logY ? 0.5 : 0.0);
    QVector<double> keys;
    QVector<double> values;
    const size_t bins = m_histogram.counts.size();
    for (size_t i = 0; i < bins; ++i) {
        if (m_logY && m_histogram.counts[i] == 0)
            continue;
        keys.append((m_histogram.edges[i] + m_histogram.edges[i + 1]) / 2);
        values.append(static_cast<double>(m_histogram.counts[i]));
    }
    if (bins > 0)
        bars->setWidth((m_histogram.edges.back() - m_histogram.edges.front()) / static_cast<double>(bins) *
                       (m_categories.empty() ? 1.0 : 0.6));
    bars->setData(keys, values, true);

    if (m_categories.empty()) {
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        fitTickCount();
        m_plot->xAxis->setLabel(tr("Value"));
    } else {
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (size_t i = 0; i < m_categories.size(); ++i)
            ticker->addTick(static_cast<double>(i), m_categories[i]);
        m_plot->xAxis->setTicker(ticker);
        m_plot->xAxis->setLabel(QString());
    }
}

void HistogramPlot::rebuildSteps()
{
    // Geometric bins have a different width each, which QCPBars (one width in plot coordinates) cannot draw on
    // a log axis; a left-step line through the edges, filled down to the axis, is the same picture.
    auto* graph = new QCPGraph(m_plot->xAxis, m_plot->yAxis);
    m_shape = graph;
    const QColor fill = palette().color(QPalette::Highlight);
    graph->setPen(QPen(fill.darker(130), 0));
    graph->setBrush(fill);
    graph->setLineStyle(QCPGraph::lsStepLeft);
    QVector<double> keys;
    QVector<double> values;
    const size_t bins = m_histogram.counts.size();
    // A log count axis cannot show 0: empty bins sit on its floor (0.5), like the bars' base.
    const auto height = [this](uint64_t count) { return m_logY && count == 0 ? 0.5 : static_cast<double>(count); };
    for (size_t i = 0; i < bins; ++i) {
        keys.append(m_histogram.edges[i]);
        values.append(height(m_histogram.counts[i]));
    }
    if (bins > 0) {
        // The closing point draws the last bin's top up to the last edge.
        keys.append(m_histogram.edges.back());
        values.append(height(m_histogram.counts.back()));
    }
    graph->setData(keys, values, true);
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    fitTickCount();
    m_plot->xAxis->setLabel(tr("|x| (log bins)"));
}

void HistogramPlot::fitTickCount()
{
    // QCustomPlot asks for about five value labels whatever the width: in a narrow pane (an 800 x 600 window)
    // labels such as "-0.15" ran into each other. About one label per 70 pixels, three at least, at most the usual
    // five.
    if (m_categories.empty())
        m_plot->xAxis->ticker()->setTickCount(std::clamp(width() / 70, 3, 5));
}

void HistogramPlot::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    const int before = m_plot->xAxis->ticker()->tickCount();
    fitTickCount();
    if (m_plot->xAxis->ticker()->tickCount() != before)
        m_plot->replot();
}

void HistogramPlot::fitAxes()
{
    if (m_histogram.scale == BinScale::Log && m_categories.empty() && m_histogram.edges.size() >= 2 &&
        m_histogram.edges.front() > 0.0) {
        // 2% of the width on each side, as for linear bins, but in decades.
        const double lo = m_histogram.edges.front();
        const double hi = m_histogram.edges.back();
        const double pad = std::pow(hi / lo, 0.02);
        m_plot->xAxis->setRange(lo / pad, hi * pad);
    } else if (m_histogram.edges.size() >= 2) {
        const double lo = m_histogram.edges.front();
        const double hi = m_histogram.edges.back();
        const double pad = (hi - lo) * 0.02;
        m_plot->xAxis->setRange(lo - pad, hi + pad);
    } else {
        m_plot->xAxis->setRange(0, 1);
    }
    uint64_t highest = 1;
    for (uint64_t c : m_histogram.counts)
        highest = std::max(highest, c);
    if (m_logY)
        m_plot->yAxis->setRange(0.5, static_cast<double>(highest) * 2.0);
    else
        m_plot->yAxis->setRange(0, static_cast<double>(highest) * 1.08);
    m_plot->replot();
}

QString HistogramPlot::hoverText(double key) const
{
    const std::vector<double>& edges = m_histogram.edges;
    if (edges.size() < 2 || key < edges.front() || key > edges.back())
        return {};
    const auto upper = std::upper_bound(edges.begin(), edges.end(), key);
    const size_t bin = std::min<size_t>(static_cast<size_t>(upper - edges.begin()), edges.size() - 1) - 1;
    const QString count = format::count(m_histogram.counts[bin]);
    if (!m_categories.empty())
        return tr("%1: %2").arg(m_categories[bin], count);
    // Every bin is half-open except the last, which includes the maximum.
    const QChar close = bin + 2 == edges.size() ? u']' : u')';
    if (m_histogram.scale == BinScale::Log)
        return tr("|x| in [%1, %2%3\ncount %4")
            .arg(edgeText(edges[bin]), edgeText(edges[bin + 1]))
            .arg(close)
            .arg(count);
    return tr("[%1, %2%3\ncount %4").arg(edgeText(edges[bin]), edgeText(edges[bin + 1])).arg(close).arg(count);
}

bool HistogramPlot::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot) {
        if (event->type() == QEvent::MouseButtonPress) {
            // Shift turns a drag into a range selection for the duration of that drag; plain drags pan.
            const auto* mouse = static_cast<QMouseEvent*>(event);
            const bool select = mouse->modifiers() & Qt::ShiftModifier;
            m_plot->setSelectionRectMode(select ? QCP::srmCustom : QCP::srmNone);
        } else if (event->type() == QEvent::MouseButtonDblClick) {
            fitAxes();
        } else if (event->type() == QEvent::MouseMove) {
            const auto* mouse = static_cast<QMouseEvent*>(event);
            const QString text = hoverText(m_plot->xAxis->pixelToCoord(mouse->position().x()));
            if (text.isEmpty() || !m_plot->axisRect()->rect().contains(mouse->position().toPoint()))
                QToolTip::hideText();
            else
                QToolTip::showText(mouse->globalPosition().toPoint(), text, m_plot);
        }
    }
    return QWidget::eventFilter(watched, event);
}

void HistogramPlot::onSelectionAccepted(const QRect& rect)
{
    m_plot->setSelectionRectMode(QCP::srmNone);
    const double a = m_plot->xAxis->pixelToCoord(rect.left());
    const double b = m_plot->xAxis->pixelToCoord(rect.right());
    if (rect.width() > 2 && m_categories.empty())
        emit rangeSelected(std::min(a, b), std::max(a, b));
}

void HistogramPlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        plotpalette::apply(m_plot, palette());
        rebuildBars();
        m_plot->replot();
    }
    QWidget::changeEvent(event);
}

} // namespace safescope
