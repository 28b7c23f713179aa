#pragma once

#include "core/downsample.h"
#include "core/tensorslice.h"
#include "ui/models/colorscale.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <utility>

class QCPColorGradient;
class QCPColorMap;
class QCPColorScale;
class QCustomPlot;

namespace safescope {

/// A 2-D slice as a colour map with a colour bar. Two layers: an overview of the whole slice and, when zoomed in,
/// a finer detail of the visible window on top. Hover shows the exact (row, col) and value; a click reports the
/// cell. Draws what it is given: downsampling happens in the owner, off the GUI thread.
class HeatmapPlot final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeatmapPlot)

public:
    struct Window
    {
        IndexRange rows;
        IndexRange cols;
    };

    explicit HeatmapPlot(QWidget* parent = nullptr);
    ~HeatmapPlot() override;

    /// The slice shown (for exact hover values); `owner` keeps the view's bytes alive. Resets the zoom.
    void setSlice(std::shared_ptr<const void> owner, const TensorView& view, const SliceSpec& spec,
                  const SliceAddressing& addressing);
    void clear();
    void setOverview(const Downsampled& cells, const Window& window);
    void setDetail(const Downsampled& cells, const Window& window);
    void clearDetail();
    void setColors(const ColorScale& scale, const QCPColorGradient& gradient);

    /// The slice cells inside the visible axis ranges, clipped to the slice.
    Window visibleWindow() const;
    /// Pixels of the data area: the most cells worth computing.
    QSize pixelSize() const;
    bool hasOverview() const { return m_hasOverview; }
    /// The slice cell under a widget position of the plot, if any.
    std::optional<std::pair<uint64_t, uint64_t>> cellAt(const QPoint& position) const;
    /// "row 3, col 17: 0.0123" with the exact value of the element.
    QString cellText(uint64_t row, uint64_t col) const;
    QCustomPlot* plot() const { return m_plot; }
    const ColorScale& scale() const { return m_scale; }

signals:
    /// Zoom or pan changed the visible window (the owner may compute a finer detail).
    void viewChanged();
    void cellClicked(uint64_t row, uint64_t col);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void fill(QCPColorMap* map, const Downsampled& cells, const Window& window);
    void updateColorAxis();

    QCustomPlot* m_plot;
    QCPColorMap* m_overview;
    QCPColorMap* m_detail;
    QCPColorScale* m_colorBar;
    ColorScale m_scale;
    std::shared_ptr<const void> m_owner;
    TensorView m_view;
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
