#pragma once

#include "ui/models/difflayergrid.h"
#include "ui/models/logcolorscale.h"

#include <QWidget>

#include <optional>
#include <utility>

class QCPColorMap;
class QCPColorScale;
class QCPItemText;
class QCustomPlot;

namespace safescope {

/// The layer x module map of a diff: one cell per pair whose name has a layer index, coloured by the chosen
/// metric (blank where nothing was compared). Hover names the pair and its value; a click reports the pair.
class DiffHeatmap final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffHeatmap)

public:
    explicit DiffHeatmap(QWidget* parent = nullptr);
    ~DiffHeatmap() override;

    /// `names` maps a pair index to the tensor name shown on hover.
    void setGrid(DiffLayerGrid grid, const QString& metricName);
    const DiffLayerGrid& grid() const { return m_grid; }
    /// Colours by log10 of the metric (values span decades), zeros at a floor a decade under the smallest change;
    /// the colour bar keeps the metric's own units. A metric in decibels (DiffLayerGrid::higherIsCloser) is
    /// always drawn linearly.
    void setLogScale(bool log);
    /// Every how many columns (Qt::Horizontal) or rows an axis label is drawn, so that labels never overlap.
    int labelStep(Qt::Orientation orientation) const;
    bool logScale() const { return m_log; }
    /// The log scale of the current grid (meaningful while logScale()).
    const LogColorScale& logColorScale() const { return m_logScale; }
    /// The colour coordinate a cell is drawn with (the value, or its log10 on the log scale).
    double cellCoordinate(int row, int column) const;

    /// The grid cell (row, column) under a position in plot() coordinates.
    std::optional<std::pair<int, int>> cellAt(const QPoint& position) const;
    /// The centre of a cell in plot() coordinates (for tests and keyboard navigation).
    QPoint cellCentre(int row, int column) const;
    QString cellText(int row, int column) const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    void pairClicked(qint64 pair);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void updateTickers();
    void applyPalette();
    void applyScale();
    void applyCloserScale();

    QCustomPlot* m_plot;
    QCPColorMap* m_map;
    QCPColorScale* m_colorBar;
    QCPItemText* m_empty;
    DiffLayerGrid m_grid;
    QString m_metricName;
    bool m_log = false;
    LogColorScale m_logScale;
    QPoint m_pressPosition;
};

} // namespace safescope
