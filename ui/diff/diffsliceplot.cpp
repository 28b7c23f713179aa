#include "ui/diff/diffsliceplot.h"

#include "core/diff/deltaslice.h"
#include "ui/plots/colorgradients.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

QString number(double value)
{
    return QString::number(value, 'g', 7);
}

} // namespace

DiffSlicePlot::DiffSlicePlot(QWidget* parent) : SliceMapPlot(parent)
{
    plot()->setObjectName(QStringLiteral("diffSlicePlot"));
    plot()->setMinimumSize(240, 180);
    // Few column ticks: the plot shares its width with three tables, and five labels of "1,024" collide.
    plot()->xAxis->ticker()->setTickCount(4);
    colorBar()->axis()->setLabel(tr("\u0394 = A \u2212 B"));
    refitColors();
    clear();
}

DiffSlicePlot::~DiffSlicePlot() = default;

void DiffSlicePlot::setSlice(std::shared_ptr<const void> ownerA, const TensorView& a,
                             std::shared_ptr<const void> ownerB, const TensorView& b, const SliceSpec& spec,
                             const SliceAddressing& addressing)
{
    m_ownerA = std::move(ownerA);
    m_ownerB = std::move(ownerB);
    m_a = a;
    m_b = b;
    m_spec = spec;
    setMessage(tr("Computing \u0394\u2026"));
    startSlice(addressing);
}

void DiffSlicePlot::clear(const QString& message)
{
    m_ownerA.reset();
    m_ownerB.reset();
    m_a = {};
    m_b = {};
    setMessage(message);
    clearSlice();
}

void DiffSlicePlot::setScaleKind(ColorScale::Kind kind)
{
    m_kind = kind;
    refitColors();
    refill();
}

void DiffSlicePlot::refitColors()
{
    double largest = 0.0;
    for (double v : overview().values) {
        if (std::isfinite(v))
            largest = std::max(largest, std::fabs(v));
    }
    // Symmetric around 0 whatever the data, so "no change" is always the neutral middle colour.
    setScale(ColorScale::make(m_kind, -largest, largest, true),
             colorgradients::diverging(palette().color(QPalette::Mid)));
}

QString DiffSlicePlot::cellText(uint64_t row, uint64_t col) const
{
    double a = 0.0;
    double b = 0.0;
    double delta = 0.0;
    if (!deltaslice::extractWindow(m_a, m_b, m_spec, row, 1, col, 1, &delta, &a, &b))
        return {};
    return tr("row %1, col %2\nA %3\nB %4\n\u0394 %5").arg(row).arg(col).arg(number(a), number(b), number(delta));
}

} // namespace safescope
