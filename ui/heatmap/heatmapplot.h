#pragma once

#include "core/quant/dequantizer.h"
#include "core/values/tensorslice.h"
#include "ui/slice/slicemapplot.h"

#include <memory>

namespace safescope {

/// A 2-D slice of one tensor as a colour map with a colour bar (see SliceMapPlot). Hover shows the exact (row, col)
/// and value; the colours are chosen by the owner (setColors).
class HeatmapPlot final : public SliceMapPlot
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeatmapPlot)

public:
    explicit HeatmapPlot(QWidget* parent = nullptr);
    ~HeatmapPlot() override;

    /// The slice shown (for exact hover values); `owner` keeps the view's bytes alive. Resets the zoom.
    /// The values behind the slice once they are at hand (a remote tensor's fetched bytes), for hover texts.
    void setValues(std::shared_ptr<const void> owner, const TensorView& view);
    void setSlice(std::shared_ptr<const void> owner, const TensorView& view, const SliceSpec& spec,
                  const SliceAddressing& addressing, std::shared_ptr<const Dequantizer> dequantizer = {});
    void clear();
    void setColors(const ColorScale& scale, const QCPColorGradient& gradient);

    /// "row 3, col 17: 0.0123" with the exact value of the element.
    QString cellText(uint64_t row, uint64_t col) const override;

private:
    std::shared_ptr<const void> m_owner;
    TensorView m_view;
    std::shared_ptr<const Dequantizer> m_dequantizer; ///< a quantized weight's values (m_view has no bytes then)
    SliceAddressing m_addressing;
    SliceSpec m_spec;
};

} // namespace safescope
