#pragma once

#include "core/diff/modeldiff.h"
#include "core/format/error.h"
#include "core/format/model.h"

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSplitter;
class QPushButton;
class QTabWidget;
class QTableView;

namespace safescope {

class DiffFilterProxyModel;
class DiffHeatmap;
class DiffJob;
class DiffMetadataTable;
class DiffPairPanel;
class DiffTableModel;

/// A tab comparing two models: summary, options (name rules, tolerances), the pair table, the layer x module
/// heatmap and the metadata changes, with the selected pair's histograms below. The diff runs in the background
/// (DiffJob) and rows appear as pairs finish.
class DiffView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffView)

public:
    DiffView(const QString& pathA, const QString& pathB, QWidget* parent = nullptr);
    ~DiffView() override;

    QString pathA() const { return m_pathA; }
    QString pathB() const { return m_pathB; }
    QString title() const;

    /// Starts (again) with the options in the fields; an invalid field is reported and nothing runs.
    void rerun();
    void cancel();
    bool isRunning() const;
    /// The finished diff, null while running, cancelled or failed.
    std::shared_ptr<const ModelDiff> diff() const { return m_diff; }

    /// Selects a pair's row (clearing filters that hide it) and shows its histograms.
    bool selectPair(size_t pair);
    std::optional<size_t> selectedPair() const;
    /// Shows a page by name: "tensors", "heatmap" or "metadata" (command line --page), or "slice" for the selected
    /// pair's Δ slice under the table; others are ignored.
    void showPage(const QString& name);
    /// One line for the window's status bar: the pair counts by status and the selected pair.
    QString statusText() const;
    /// Writes the report in the format the suffix asks for (.csv, .json, .md).
    Status exportReport(const QString& path) const;

    DiffTableModel* tableModel() const { return m_model; }
    DiffFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* table() const { return m_table; }
    DiffHeatmap* heatmap() const { return m_heatmap; }
    DiffPairPanel* pairPanel() const { return m_pairPanel; }
    QTabWidget* pages() const { return m_pages; }
    QLabel* summaryLabel() const { return m_summary; }
    QLineEdit* ruleEdit() const { return m_rules; }
    QLineEdit* atolEdit() const { return m_atol; }
    QLineEdit* rtolEdit() const { return m_rtol; }
    QCheckBox* logScaleBox() const { return m_logScale; }

signals:
    void finished();
    void failed(const QString& message);
    /// statusText() changed.
    void statusChanged();

private:
    QWidget* createOptionsRow();
    QWidget* createTablePage();
    QWidget* createHeatmapPage();
    void onRows(const std::vector<TensorDiff>& rows);
    void onFinished(const std::shared_ptr<const ModelDiff>& diff);
    void onFailed(const Error& error);
    void updateSummary();
    void updateHeatmap();
    void onCurrentRowChanged();
    void exportDialog();

    QString m_pathA;
    QString m_pathB;
    DiffJob* m_job;
    DiffTableModel* m_model;
    DiffFilterProxyModel* m_proxy;
    DiffSummary m_summaryData;
    /// A diff with a remote side: pairs identical by published SHA-256 and tensor bytes fetched; nullopt otherwise.
    std::optional<std::pair<size_t, uint64_t>> m_remoteCost;
    DiffTolerance m_tolerance;
    std::shared_ptr<const ModelDiff> m_diff;
    QLabel* m_summary;
    QLineEdit* m_rules = nullptr;
    QLineEdit* m_atol = nullptr;
    QLineEdit* m_rtol = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_export = nullptr;
    QProgressBar* m_progress = nullptr;
    QTabWidget* m_pages;
    QLineEdit* m_filter = nullptr;
    QComboBox* m_status = nullptr;
    QTableView* m_table = nullptr;
    QComboBox* m_metric = nullptr;
    QCheckBox* m_logScale = nullptr;
    QLabel* m_heatNote = nullptr;
    bool m_metricChosen = false; ///< the user picked the map's metric: a finished diff keeps it
    DiffHeatmap* m_heatmap = nullptr;
    DiffMetadataTable* m_metadata;
    DiffPairPanel* m_pairPanel;
    QSplitter* m_splitter;
    QString m_error;
};

} // namespace safescope
