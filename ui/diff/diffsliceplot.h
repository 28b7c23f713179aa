#pragma once

#include "core/values/tensorslice.h"
#include "core/values/tensorview.h"
#include "ui/slice/slicemapplot.h"

#include <memory>

namespace safescope {

/// Δ = A - B of a diff pair's 2-D slice as a colour map (see SliceMapPlot) on a diverging scale centred on 0. Hover
/// shows (row, col), A, B and Δ of the exact element.
class DiffSlicePlot final : public SliceMapPlot
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffSlicePlot)

public:
    explicit DiffSlicePlot(QWidget* parent = nullptr);
    ~DiffSlicePlot() override;

    /// The pair and slice shown (for exact hover values); the owners keep the views' bytes alive. Resets the zoom.
    void setSlice(std::shared_ptr<const void> ownerA, const TensorView& a, std::shared_ptr<const void> ownerB,
                  const TensorView& b, const SliceSpec& spec, const SliceAddressing& addressing);
    /// Empties the plot and shows `message` in its middle.
    void clear(const QString& message = {});
    /// Linear or SymLog; the range is ±max |Δ| of the overview, so 0 is always the centre colour.
    void setScaleKind(ColorScale::Kind kind);

    /// "row 3, col 17 · A 0.25 · B 0.5 · Δ -0.25" from the element itself, not the downsampled cell.
    QString cellText(uint64_t row, uint64_t col) const override;

private:
    void refitColors() override;

    ColorScale::Kind m_kind = ColorScale::Kind::Linear;
    std::shared_ptr<const void> m_ownerA;
    std::shared_ptr<const void> m_ownerB;
    TensorView m_a;
    TensorView m_b;
    SliceSpec m_spec;
};

} // namespace safescope
