#pragma once

#include "core/downsample.h"
#include "core/tensorslice.h"
#include "ui/models/colorscale.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <utility>

class QCPColorMap;
class QCPColorScale;
class QCPItemText;
class QCustomPlot;

namespace safescope {

/// Δ = A - B of a diff pair's 2-D slice as a colour map on a diverging scale centred on 0, with a colour bar.
/// Two layers like HeatmapPlot: the whole slice downsampled, and a finer detail of the zoomed-in window. Hover shows
/// (row, col), A, B and Δ of the exact element; a click reports the cell. Downsampling happens in the owner, off
/// the GUI thread; this only draws.
class DiffSlicePlot final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffSlicePlot)

public:
    struct Window
    {
        IndexRange rows;
        IndexRange cols;
    };

    explicit DiffSlicePlot(QWidget* parent = nullptr);
    ~DiffSlicePlot() override;

    /// The pair and slice shown (for exact hover values); the owners keep the views' bytes alive. Resets the zoom.
    void setSlice(std::shared_ptr<const void> ownerA, const TensorView& a, std::shared_ptr<const void> ownerB,
                  const TensorView& b, const SliceSpec& spec, const SliceAddressing& addressing);
    /// Empties the plot and shows `message` in its middle.
    void clear(const QString& message = {});
    void setOverview(const Downsampled& cells, const Window& window);
    void setDetail(const Downsampled& cells, const Window& window);
    void clearDetail();
    /// Linear or SymLog; the range is ±max |Δ| of the overview, so 0 is always the centre colour.
    void setScaleKind(ColorScale::Kind kind);

    bool hasOverview() const { return m_hasOverview; }
    const Downsampled& overview() const { return m_overviewData; }
    const ColorScale& scale() const { return m_scale; }
    Window visibleWindow() const;
    QSize pixelSize() const;
    /// The slice cell under a position in plot() coordinates.
    std::optional<std::pair<uint64_t, uint64_t>> cellAt(const QPoint& position) const;
    /// The centre of a slice cell in plot() coordinates.
    QPoint cellCentre(uint64_t row, uint64_t col) const;
    /// "row 3, col 17 · A 0.25 · B 0.5 · Δ -0.25" from the element itself, not the downsampled cell.
    QString cellText(uint64_t row, uint64_t col) const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    void viewChanged();
    void cellClicked(uint64_t row, uint64_t col);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void fill(QCPColorMap* map, const Downsampled& cells, const Window& window);
    void applyColors();

    QCustomPlot* m_plot;
    QCPColorMap* m_overview;
    QCPColorMap* m_detail;
    QCPColorScale* m_colorBar;
    QCPItemText* m_message;
    ColorScale::Kind m_kind = ColorScale::Kind::Linear;
    ColorScale m_scale;
    std::shared_ptr<const void> m_ownerA;
    std::shared_ptr<const void> m_ownerB;
    TensorView m_a;
    TensorView m_b;
    SliceSpec m_spec;
    SliceAddressing m_addressing;
    Downsampled m_overviewData;
    Window m_overviewWindow;
    Downsampled m_detailData;
    Window m_detailWindow;
    bool m_hasOverview = false;
    bool m_hasDetail = false;
    QPoint m_pressPosition;
};

} // namespace safescope
