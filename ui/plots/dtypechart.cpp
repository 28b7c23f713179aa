#include "ui/plots/dtypechart.h"

#include "core/text/format.h"

#include <QEvent>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

// Byte totals span many orders of magnitude; one binary unit for the whole axis keeps bars comparable.
std::pair<double, QString> axisUnit(uint64_t maxBytes)
{
    if (maxBytes >= (uint64_t{1} << 30))
        return {double(uint64_t{1} << 30), QStringLiteral("GiB")};
    if (maxBytes >= (uint64_t{1} << 20))
        return {double(uint64_t{1} << 20), QStringLiteral("MiB")};
    if (maxBytes >= (uint64_t{1} << 10))
        return {1024.0, QStringLiteral("KiB")};
    return {1.0, QStringLiteral("bytes")};
}

} // namespace

DTypeChart::DTypeChart(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setInteractions({});
    setMinimumHeight(160);
}

DTypeChart::~DTypeChart() = default;

void DTypeChart::setRows(const std::vector<ModelSummary::Row>& dtypes)
{
    m_rows = dtypes;
    m_plot->clearPlottables();
    m_plot->clearItems();

    uint64_t maxBytes = 1;
    for (const auto& row : m_rows)
        maxBytes = std::max(maxBytes, row.bytes);
    const auto [scale, unit] = axisUnit(maxBytes);

    auto* bars = new QCPBars(m_plot->yAxis, m_plot->xAxis);
    QVector<double> keys;
    QVector<double> values;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    // Largest first, drawn top-down: key 1 is the bottom row, so reverse.
    const int count = static_cast<int>(m_rows.size());
    for (int i = 0; i < count; ++i) {
        const auto& row = m_rows[static_cast<size_t>(i)];
        const double key = count - i;
        keys.append(key);
        values.append(static_cast<double>(row.bytes) / scale);
        ticker->addTick(key, row.name);
        auto* label = new QCPItemText(m_plot);
        label->position->setCoords(static_cast<double>(row.bytes) / scale, key);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        label->setPadding(QMargins(6, 0, 0, 0));
        label->setText(format::bytes(row.bytes) + QStringLiteral(" \u00b7 ") +
                       tr("%n tensor(s)", nullptr, static_cast<int>(row.tensors)));
        label->setClipToAxisRect(false);
    }
    bars->setData(keys, values, true);
    bars->setWidth(0.6);
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setRange(0.4, count + 0.6);
    // Leave room on the right for the value labels.
    m_plot->xAxis->setRange(0, static_cast<double>(maxBytes) / scale * 1.45);
    m_plot->xAxis->setLabel(unit);
    setMinimumHeight(std::max(160, 60 + 30 * count));
    applyPalette();
}

void DTypeChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void DTypeChart::applyPalette()
{
    // QCustomPlot draws black on white by default; the palette keeps the chart in the user's theme.
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor grid = pal.color(QPalette::Mid);
    m_plot->setBackground(pal.brush(QPalette::Base));
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setBasePen(QPen(grid));
        axis->setTickPen(QPen(grid));
        axis->setSubTickPen(QPen(grid));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
    }
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->yAxis->setSubTicks(false);
    m_plot->yAxis->setTickLength(0, 0);
    if (m_plot->plottableCount() > 0) {
        if (auto* bars = qobject_cast<QCPBars*>(m_plot->plottable(0))) {
            QColor fill = pal.color(QPalette::Highlight);
            bars->setPen(QPen(fill.darker(120)));
            bars->setBrush(fill);
        }
    }
    for (int i = 0; i < m_plot->itemCount(); ++i) {
        if (auto* label = qobject_cast<QCPItemText*>(m_plot->item(i)))
            label->setColor(text);
    }
    m_plot->replot();
}

} // namespace safescope
