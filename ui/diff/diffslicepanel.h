#pragma once

#include "core/diff/tensordiff.h"
#include "core/format/model.h"
#include "core/remote/tensorbytes.h"
#include "core/values/tensorslice.h"
#include "ui/models/diffslicetablemodel.h"

#include <QWidget>

#include <array>
#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QTableView;
class QTimer;

namespace safescope {

struct QuantCatalog;

class DiffSlicePlot;
class LatestTask;
class SliceControls;
class SliceWindowBar;

/// A diff pair's 2-D slice: the Δ heatmap and the values of A, B and Δ in three tables that scroll together, with
/// the slice page's dimension pickers and, over axes too long for one table, the window bar that moves all three.
/// Δ is downsampled off the GUI thread, only while the panel is on screen.
class DiffSlicePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffSlicePanel)

public:
    using Side = DiffSliceTableModel::Side;

    explicit DiffSlicePanel(QWidget* parent = nullptr);
    ~DiffSlicePanel() override;

    void setModels(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b,
                   const std::shared_ptr<const QuantCatalog>& quantA = nullptr,
                   const std::shared_ptr<const QuantCatalog>& quantB = nullptr);
    void showPair(const TensorDiff& diff);
    void clear();
    /// Another slice of the shown pair (as the pickers would set it).
    void setSpec(const SliceSpec& spec);
    /// Scrolls the three tables to a cell and selects it.
    void jumpTo(uint64_t row, uint64_t col);
    bool isComputing() const;

    DiffSlicePlot* plot() const { return m_plot; }
    SliceControls* controls() const { return m_controls; }
    QTableView* table(Side side) const { return m_tables[static_cast<size_t>(side)]; }
    DiffSliceTableModel* model(Side side) const { return m_models[static_cast<size_t>(side)]; }
    QLabel* statusLabel() const { return m_status; }
    SliceWindowBar* windowBar() const { return m_windowBar; }

signals:
    /// The Δ overview of the shown slice is drawn (for tests and screenshots).
    void deltaShown();

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    /// A side's values at hand: its mapping (nothing here), its fetched bytes, or a quantized weight dequantized.
    struct SideValues
    {
        TensorBytes bytes;
        std::shared_ptr<const std::vector<float>> dequantized;
    };
    /// Shows a pair whose values are at hand (both SideValues empty when local and unquantized).
    void showFetchedPair(const TensorDiff& diff, const SideValues& a, const SideValues& b);
    QWidget* createTables();
    void loadSlice();
    void requestOverview();
    void requestDetail();
    bool hasDelta() const;
    /// The first table with cells: the one whose window the bar shows (all three move together).
    size_t windowSide() const;
    void updateWindowBar();
    void showFrom(Qt::Orientation orientation, uint64_t index);

    std::shared_ptr<const Model> m_a;
    std::shared_ptr<const Model> m_b;
    std::shared_ptr<const QuantCatalog> m_quantA;
    std::shared_ptr<const QuantCatalog> m_quantB;
    /// A remote side's fetched bytes or a quantized side's values (empty for a local side): the views below point
    /// into them.
    SideValues m_valuesA;
    SideValues m_valuesB;
    TensorView m_viewA;
    TensorView m_viewB;
    SliceSpec m_spec;
    QString m_incompatibility;
    bool m_hasPair = false;
    bool m_stale = false; ///< the overview must be recomputed when the panel is next shown

    SliceControls* m_controls;
    QComboBox* m_format;
    QComboBox* m_scale;
    QComboBox* m_reduction;
    QLabel* m_status;
    DiffSlicePlot* m_plot;
    SliceWindowBar* m_windowBar;
    std::array<QLabel*, 3> m_titles{};
    std::array<QTableView*, 3> m_tables{};
    std::array<DiffSliceTableModel*, 3> m_models{};
    LatestTask* m_overviewTask;
    LatestTask* m_detailTask;
    QTimer* m_refine;
};

} // namespace safescope
