#include "ui/heatmap/heatmapplot.h"

#include "ui/models/cellformat.h"

#include <qcustomplot.h>

#include <bit>

namespace safescope {

HeatmapPlot::HeatmapPlot(QWidget* parent) : SliceMapPlot(parent)
{
    plot()->setObjectName(QStringLiteral("heatmapPlot"));
    plot()->setMinimumSize(240, 200);
}

HeatmapPlot::~HeatmapPlot() = default;

void HeatmapPlot::setSlice(std::shared_ptr<const void> owner, const TensorView& view, const SliceSpec& spec,
                           const SliceAddressing& addressing, std::shared_ptr<const Dequantizer> dequantizer)
{
    m_owner = std::move(owner);
    m_view = view;
    m_dequantizer = std::move(dequantizer);
    m_addressing = addressing;
    m_spec = spec;
    startSlice(addressing);
}

void HeatmapPlot::setValues(std::shared_ptr<const void> owner, const TensorView& view)
{
    m_owner = std::move(owner);
    m_view = view;
}

void HeatmapPlot::clear()
{
    m_owner.reset();
    m_view = {};
    m_dequantizer.reset();
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
    if (m_dequantizer) {
        if (row >= m_addressing.rows || col >= m_addressing.cols)
            return {};
        float element = 0.0f;
        if (!m_dequantizer->read(m_addressing.base + row * m_addressing.rowStride + col * m_addressing.colStride, 1,
                                 &element))
            return {};
        return tr("row %1, col %2: %3")
            .arg(row)
            .arg(col)
            .arg(cellformat::exact(DType::F32, element, std::bit_cast<uint32_t>(element)));
    }
    if (m_view.data == nullptr) // a remote tensor whose values have not arrived yet
        return {};
    if (!extractWindow(m_view, m_spec, row, 1, col, 1, &value) || !rawBitsWindow(m_view, m_spec, row, 1, col, 1, &bits))
        return {};
    return tr("row %1, col %2: %3").arg(row).arg(col).arg(cellformat::exact(m_view.dtype, value, bits));
}

} // namespace safescope
