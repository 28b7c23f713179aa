#pragma once

#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/quant/quantcatalog.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorstats.h"
#include "ui/heatmap/heatmapplot.h"
#include "ui/models/modelfilecheck.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QTimer;

namespace safescope {

class LatestTask;
class SliceControls;

/// The "Heatmap" tab: the slice as an image. The whole slice is downsampled to the plot's pixels off the GUI thread,
/// and the visible window is refined after each zoom or pan. Colour maps: sequential, or diverging around 0 for
/// signed data; linear or symlog scale; range from the tensor's statistics or typed in.
class HeatmapPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeatmapPanel)

public:
    enum class Palette
    {
        Auto,
        Sequential,
        Diverging
    };

    explicit HeatmapPanel(QWidget* parent = nullptr);
    ~HeatmapPanel() override;

    /// A new document; with `quant`, logical tensors (valuesource.h) are drawn from their dequantized values.
    void setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant = {});
    void showTensor(size_t index);
    void clearTensor();
    /// The slice picked on the slice tab; no specChanged.
    void setSpec(const SliceSpec& spec);
    /// The slice drawn and the tensor it is of (a logical tensor's id for a quantized weight), for tests.
    const SliceSpec& spec() const { return m_spec; }
    std::optional<size_t> shownTensor() const { return m_tensor; }
    /// Statistics of the shown tensor, for the automatic colour range.
    void setStats(size_t index, std::shared_ptr<const TensorStats> stats);
    /// A manual colour range; lo >= hi goes back to automatic.
    void setManualRange(double lo, double hi);
    void setScaleKind(ColorScale::Kind kind);
    void setPalette(Palette palette);

    HeatmapPlot* plot() const { return m_plot; }
    SliceControls* controls() const { return m_controls; }
    QString statusText() const;

signals:
    void specChanged(const safescope::SliceSpec& spec);
    void cellActivated(uint64_t row, uint64_t col);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void loadSlice();
    /// A remote quantized weight: fetches its stored parts whole off the GUI thread, then draws it.
    void fetchParts(const LogicalTensor& logical, size_t index);
    void requestOverview();
    void requestDetail();
    void applyColors();
    /// The footer: every value in view drawn, or how many values each cell stands for.
    void showDrawn(const Downsampled& cells, const HeatmapPlot::Window& window);

    std::shared_ptr<const Model> m_document;
    ModelFileCheck m_fileCheck; ///< values read after the file changed are not drawn
    std::shared_ptr<const QuantCatalog> m_quant;
    std::shared_ptr<const Dequantizer> m_dequantizer; ///< the shown logical tensor's reader, else null
    /// The view drawn: the tensor's bytes, or for a logical tensor F32 and its shape without bytes.
    TensorView currentView() const;
    std::optional<size_t> m_tensor;
    SliceSpec m_spec;
    std::shared_ptr<const TensorStats> m_stats;
    std::optional<std::pair<double, double>> m_dataExtent; ///< of the overview, when there are no statistics
    bool m_stale = true;          ///< the overview must be recomputed when the tab is next shown
    uint64_t m_fetchedBytes = 0;  ///< bytes of a remote tensor fetched for the overview
    bool m_fetchingParts = false; ///< a remote weight's parts are on their way: the fetch draws when they arrive

    SliceControls* m_controls;
    QComboBox* m_palette;
    QComboBox* m_scale;
    QComboBox* m_reduction;
    QComboBox* m_rangeMode;
    QDoubleSpinBox* m_min;
    QDoubleSpinBox* m_max;
    QPushButton* m_export;
    QLabel* m_status;
    QString m_overviewStatus; ///< the footer for the whole slice, shown again when the view zooms back out
    HeatmapPlot* m_plot;
    LatestTask* m_overviewTask;
    LatestTask* m_detailTask;
    QTimer* m_refine;
};

} // namespace safescope
