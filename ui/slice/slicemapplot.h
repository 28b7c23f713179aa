#pragma once

#include "core/values/downsample.h"
#include "core/values/tensorslice.h"
#include "ui/models/colorscale.h"

#include <QWidget>

#include <optional>
#include <utility>

class QCPColorGradient;
class QCPColorMap;
class QCPColorScale;
class QCPItemText;
class QCustomPlot;

namespace safescope {

/// What the values page heatmap and the diff view's Δ map share: a 2-D slice as a colour map with a colour bar, in
/// two layers (an overview of the whole slice and, when zoomed in, a finer detail of the visible window on top), cell
/// hit-testing, and hover and click plumbing. Subclasses say what a cell's hover text is and choose the colours.
/// Draws what it is given: downsampling happens in the owner, off the GUI thread.
class SliceMapPlot : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SliceMapPlot)

public:
    struct Window
    {
        IndexRange rows;
        IndexRange cols;
    };

    ~SliceMapPlot() override;

    void setOverview(const Downsampled& cells, const Window& window);
    void setDetail(const Downsampled& cells, const Window& window);
    void clearDetail();

    bool hasOverview() const { return m_hasOverview; }
    const Downsampled& overview() const { return m_overviewData; }
    const ColorScale& scale() const { return m_scale; }
    /// The slice cells inside the visible axis ranges, clipped to the slice.
    Window visibleWindow() const;
    /// Pixels of the data area: the most cells worth computing.
    QSize pixelSize() const;
    /// The slice cell under a position in plot() coordinates, if any.
    std::optional<std::pair<uint64_t, uint64_t>> cellAt(const QPoint& position) const;
    /// The centre of a slice cell in plot() coordinates.
    QPoint cellCentre(uint64_t row, uint64_t col) const;
    /// The hover text of a slice cell, from the element itself rather than the downsampled cell.
    virtual QString cellText(uint64_t row, uint64_t col) const = 0;
    QCustomPlot* plot() const { return m_plot; }

signals:
    /// Zoom or pan changed the visible window (the owner may compute a finer detail).
    void viewChanged();
    void cellClicked(uint64_t row, uint64_t col);

protected:
    explicit SliceMapPlot(QWidget* parent = nullptr);

    /// Starts a slice of this size: empties both layers and shows all of it, without a viewChanged().
    void startSlice(const SliceAddressing& addressing);
    /// No slice: empties both layers.
    void clearSlice();
    /// Text in the middle of the plot ("Computing Δ…"), drawn at the next replot; empty hides it. A new overview
    /// hides it too.
    void setMessage(const QString& message);
    /// The colour bar's scale and gradient; the cells follow at the next refill().
    void setScale(const ColorScale& scale, const QCPColorGradient& gradient);
    /// Recolours both layers from the kept values with the current scale, and replots.
    void refill();
    /// For a plot whose colours follow the overview or the palette (the Δ map): set them here with setScale(). Called
    /// before a new overview or a palette change is drawn.
    virtual void refitColors() {}
    QCPColorScale* colorBar() const { return m_colorBar; }

    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void fill(QCPColorMap* map, const Downsampled& cells, const Window& window);

    QCustomPlot* m_plot;
    QCPColorMap* m_overview;
    QCPColorMap* m_detail;
    QCPColorScale* m_colorBar;
    QCPItemText* m_message = nullptr;
    ColorScale m_scale;
    SliceAddressing m_addressing{0, 0, 0, 0, 0};
    Downsampled m_overviewData;
    Window m_overviewWindow;
    Downsampled m_detailData;
    Window m_detailWindow;
    bool m_hasOverview = false;
    bool m_hasDetail = false;
    QPoint m_pressPosition;
};

} // namespace safescope
