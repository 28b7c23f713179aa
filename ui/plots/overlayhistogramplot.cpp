#include "ui/plots/overlayhistogramplot.h"

#include "ui/plots/plotpalette.h"

#include <QEvent>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

namespace safescope {

namespace {

void fill(QCPGraph* graph, const Histogram& h)
{
    QVector<double> keys;
    QVector<double> values;
    if (h.counts.empty()) {
        graph->data()->clear();
        return;
    }
    // lsStepLeft draws each count from its left edge to the next key: close the last bin with its right edge.
    for (size_t i = 0; i < h.counts.size(); ++i) {
        keys.append(h.edges[i]);
        values.append(static_cast<double>(h.counts[i]));
    }
    keys.append(h.edges.back());
    values.append(static_cast<double>(h.counts.back()));
    graph->setData(keys, values, true);
}

} // namespace

OverlayHistogramPlot::OverlayHistogramPlot(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_a(m_plot->addGraph()), m_b(m_plot->addGraph())
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setObjectName(QStringLiteral("overlayHistogramPlot"));
    m_plot->setMinimumSize(200, 140);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    for (QCPGraph* graph : {m_a, m_b})
        graph->setLineStyle(QCPGraph::lsStepLeft);
    m_a->setName(tr("A"));
    m_b->setName(tr("B"));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->yAxis->setLabel(tr("Count"));
    applyPalette();
}

OverlayHistogramPlot::~OverlayHistogramPlot() = default;

void OverlayHistogramPlot::applyPalette()
{
    plotpalette::apply(m_plot, palette());
    // Blue and orange stay distinguishable for the common colour-vision deficiencies, on light and dark bases.
    const QColor blue(0x1f, 0x77, 0xb4);
    const QColor orange(0xff, 0x7f, 0x0e);
    m_a->setPen(QPen(blue, 1.5));
    m_b->setPen(QPen(orange, 1.5));
    m_a->setBrush(QColor(blue.red(), blue.green(), blue.blue(), 70));
    m_b->setBrush(QColor(orange.red(), orange.green(), orange.blue(), 70));
    m_plot->legend->setBrush(palette().color(QPalette::Base));
    m_plot->legend->setTextColor(palette().color(QPalette::Text));
    m_plot->legend->setBorderPen(QPen(palette().color(QPalette::Mid)));
}

void OverlayHistogramPlot::setHistograms(const Histogram& a, const Histogram& b, const QString& note)
{
    fill(m_a, a);
    fill(m_b, b);
    m_plot->xAxis->setLabel(note);
    uint64_t top = 1;
    for (const Histogram* h : {&a, &b}) {
        for (uint64_t c : h->counts)
            top = std::max(top, c);
    }
    const Histogram& ref = a.edges.empty() ? b : a;
    if (!ref.edges.empty())
        m_plot->xAxis->setRange(ref.edges.front(), ref.edges.back());
    m_plot->yAxis->setRange(0, static_cast<double>(top) * 1.05);
    m_plot->replot();
}

void OverlayHistogramPlot::clear(const QString& message)
{
    m_a->data()->clear();
    m_b->data()->clear();
    m_plot->xAxis->setLabel(message);
    m_plot->replot();
}

void OverlayHistogramPlot::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        m_plot->replot();
    }
}

} // namespace safescope
