#pragma once

#include "core/format/model.h"
#include "core/quant/quantcatalog.h"
#include "core/values/tensorstats.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <utility>

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace safescope {

class HistogramPlot;
class StatsRunner;
class StatsTableModel;

/// The "Statistics" tab of a tensor: a statistics table beside a histogram, with bin count, linear or log bins, log
/// counts, re-binning of a dragged range, and special values (NaN, +-Inf; zeros with log bins) counted apart.
/// Computation runs in the background; a sampled preview is shown first and marked as such.
class StatisticsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatisticsPanel)

public:
    explicit StatisticsPanel(QWidget* parent = nullptr);
    ~StatisticsPanel() override;

    /// A new document: forgets cached statistics. With `quant`, StatsRunner::logicalIndex() names a logical tensor.
    void setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant = nullptr);
    /// Shows tensor `index` (a model entry or a logical tensor), computing its statistics unless cached.
    void showTensor(size_t index);
    /// Nothing selected (or a module): cancels work.
    void clearTensor();

    /// Re-bins inside [lo, hi] (what Shift+drag does); lo == hi resets to the full range.
    void setRange(double lo, double hi);
    void setBins(int bins);
    /// Logarithmic bins over |x| (zeros are then counted apart); a dragged range is dropped, its units change.
    void setLogBins(bool logBins);
    /// What the controls ask for: bins, dragged range and binning.
    HistogramSpec currentSpec() const;
    void setComponent(int component); ///< C64: 0 magnitude, 1 real, 2 imaginary

    const std::shared_ptr<const TensorStats>& stats() const { return m_stats; }
    HistogramPlot* histogram() const { return m_plot; }
    StatsTableModel* tableModel() const { return m_table; }
    StatsRunner* runner() const { return m_runner; }
    /// "Fetching 3.00 MiB of 12.0 MiB" / "Fetched 12.0 MiB" for a remote tensor; empty for a local one.
    QString fetchedText() const;
    QPushButton* cancelButton() const { return m_cancel; }
    /// The line of special-value counts under the plot ("NaN 0 · +Inf 0 · −Inf 0").
    QString specialText() const;

signals:
    /// Statistics of the shown tensor arrived (preview or exact): the heatmap takes its colour range from them.
    void statsChanged(size_t index, std::shared_ptr<const safescope::TensorStats> stats);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    /// Starts the statistics of the shown tensor (at once for a local one; for a remote one when the tab shows).
    void requestShown();

    void onPreview(size_t index, const std::shared_ptr<const TensorStats>& stats, const HistogramSpec& spec);
    void onStats(size_t index, const std::shared_ptr<const TensorStats>& stats, const HistogramSpec& spec, bool custom);
    void onFailed(size_t index, const QString& message);
    void showStats(const std::shared_ptr<const TensorStats>& stats);
    void updateHistogram();
    const ValueStats& component(const TensorStats& stats) const;
    QString note() const;

    std::shared_ptr<const Model> m_model;
    std::optional<size_t> m_tensor;
    std::shared_ptr<const TensorStats> m_stats;
    HistogramSpec m_statsSpec;                   ///< the binning of m_stats' own histogram
    std::shared_ptr<const TensorStats> m_custom; ///< a background re-bin (dtypes without bit-pattern counts)
    HistogramSpec m_customSpec;
    std::optional<std::pair<double, double>> m_range;

    StatsRunner* m_runner;
    StatsTableModel* m_table;
    QSpinBox* m_bins;
    QCheckBox* m_logBins;
    QCheckBox* m_logY;
    QComboBox* m_component;
    QPushButton* m_fullRange;
    QPushButton* m_export;
    QProgressBar* m_progress;
    QLabel* m_status;
    QLabel* m_fetched;     ///< bytes of a remote tensor fetched for these statistics
    QPushButton* m_cancel; ///< stops a remote fetch (a local pass is short enough to wait for)
    /// A remote tensor waits for the tab to be shown: selecting it in the tree must not download it.
    bool m_deferred = false;
    HistogramPlot* m_plot;
    QLabel* m_special;
    QTableView* m_tableView;
};

} // namespace safescope
