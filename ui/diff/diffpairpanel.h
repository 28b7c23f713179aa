#pragma once

#include "core/diff/tensordiff.h"
#include "core/format/model.h"

#include <QWidget>

#include <memory>

class QLabel;
class QTabWidget;

namespace safescope {

struct QuantCatalog;

class DiffSlicePanel;
class HistogramPlot;
class LatestTask;
class OverlayHistogramPlot;

/// The selected pair: its metrics in words, then two tabs: A's and B's histograms overlaid next to the histogram of
/// Δ = A - B, and a 2-D slice of Δ (heatmap and the A, B, Δ tables). Histograms are computed off the GUI thread over
/// at most kSampleCap elements per side.
class DiffPairPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffPairPanel)

public:
    static constexpr uint64_t kSampleCap = uint64_t(4) << 20;

    explicit DiffPairPanel(QWidget* parent = nullptr);
    ~DiffPairPanel() override;

    /// The models compared, and their quantized weights (null: none), which the views read dequantized.
    void setModels(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b,
                   const std::shared_ptr<const QuantCatalog>& quantA = nullptr,
                   const std::shared_ptr<const QuantCatalog>& quantB = nullptr);
    void showPair(const TensorDiff& diff);
    void clear();
    bool isComputing() const;
    OverlayHistogramPlot* overlay() const { return m_overlay; }
    HistogramPlot* deltaPlot() const { return m_delta; }
    QLabel* title() const { return m_title; }
    DiffSlicePanel* slicePanel() const { return m_slice; }
    QTabWidget* tabs() const { return m_tabs; }
    /// Shows the slice tab (command line --page slice) or the histograms.
    void showSlice(bool slice);

signals:
    /// Histograms of the shown pair are on screen (for tests and the status line).
    void histogramsShown();

private:
    std::shared_ptr<const Model> m_a;
    std::shared_ptr<const Model> m_b;
    std::shared_ptr<const QuantCatalog> m_quantA;
    std::shared_ptr<const QuantCatalog> m_quantB;
    QLabel* m_title;
    OverlayHistogramPlot* m_overlay;
    HistogramPlot* m_delta;
    DiffSlicePanel* m_slice;
    QTabWidget* m_tabs;
    LatestTask* m_task;
};

} // namespace safescope
