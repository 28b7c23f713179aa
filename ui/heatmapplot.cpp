#include "ui/heatmapplot.h"

#include "ui/models/cellformat.h"

#include <qcustomplot.h>

namespace safescope {

HeatmapPlot::HeatmapPlot(QWidget* parent) : SliceMapPlot(parent)
{
    plot()->setObjectName(QStringLiteral("heatmapPlot"));
    plot()->setMinimumSize(240, 200);
}

HeatmapPlot::~HeatmapPlot() = default;

void HeatmapPlot::setSlice(std::shared_ptr<const void> owner, const TensorView& view, const SliceSpec& spec,
                           const SliceAddressing& addressing)
{
    m_owner = std::move(owner);
    m_view = view;
    m_spec = spec;
    startSlice(addressing);
}

void HeatmapPlot::clear()
{
    m_owner.reset();
    m_view = {};
    clearSlice();
}

void HeatmapPlot::setColors(const ColorScale& scale, const QCPColorGradient& gradient)
{
    setScale(scale, gradient);
    refill();
}

QString HeatmapPlot::cellText(uint64_t row, uint64_t col) const
{
    double value = 0.0;
    uint64_t bits = 0;
    if (!extractWindow(m_view, m_spec, row, 1, col, 1, &value) || !rawBitsWindow(m_view, m_spec, row, 1, col, 1, &bits))
        return {};
    return tr("row %1, col %2: %3").arg(row).arg(col).arg(cellformat::exact(m_view.dtype, value, bits));
}

} // namespace safescope
