#pragma once

#include "core/export/exportplan.h"

#include <QDialog>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QTableWidget;
class QTreeView;

namespace safescope {

class LatestTask;
class Model;
class TensorCheckModel;
class TensorTree;
class TensorTreeModel;

/// File > Export: writes the selected tensors, renamed and converted, to a new file or shards. The tensors are all,
/// those the browser's filter shows, or those ticked in a tree of the names (a group ticks its subtree); the
/// include/exclude patterns narrow any of the three. Names and collisions are previewed live (planExport); the
/// conversion impact is computed off the GUI thread; the export runs off it with progress and cancel and reports
/// success only after the output re-opened and validated.
class ExportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportDialog)

public:
    /// `filter` is the tensor browser's filter text; "matching the filter" takes the tensors it shows.
    ExportDialog(std::shared_ptr<const Model> model, const QString& filter, QWidget* parent = nullptr);
    /// Reuses the browser's tree snapshot for the tick boxes instead of building a second one.
    ExportDialog(std::shared_ptr<const TensorTree> tree, const QString& filter, QWidget* parent = nullptr);
    ~ExportDialog() override;

    void setIncludePattern(const QString& pattern);
    void setExcludePattern(const QString& pattern);
    void setUseFilter(bool on);
    /// Takes the ticked tensors (ticking a box in the tree does this too).
    void setUseTicks(bool on);
    bool usesTicks() const;
    TensorCheckModel* checkModel() const { return m_checks; }
    QTreeView* tickTree() const { return m_tree; }
    /// One rule a line: "s/REGEX/REPL/", "strip:PREFIX" or "add:PREFIX".
    void setRenameRules(const QString& rules);
    void setTargetDtype(const QString& name); ///< "" keeps dtypes
    void setDropMetadata(bool drop);
    void setMaxShardSize(const QString& size); ///< "" writes one file
    void setOutputPath(const QString& path);

    /// The options as they stand, or the reason they are unusable.
    Result<ExportOptions> options() const;
    QTableWidget* previewTable() const { return m_preview; }
    QString planMessage() const;
    QString impactText() const;
    bool startExport();
    void cancelExport();
    bool isExporting() const { return m_exporting; }

signals:
    void impactReady();
    void exportFinished(bool ok, const QString& message);

private:
    void buildLayout();
    void updatePlan();
    void updateTickLabel();
    void tickFilterMatches();
    void previewImpact();
    void browse();

    std::shared_ptr<const Model> m_model;
    QString m_filter;
    QRadioButton* m_all;
    QRadioButton* m_byFilter;
    QRadioButton* m_byTicks;
    TensorTreeModel* m_treeModel;
    TensorCheckModel* m_checks;
    QTreeView* m_tree;
    QLineEdit* m_include;
    QLineEdit* m_exclude;
    QPlainTextEdit* m_renames;
    QComboBox* m_dtype;
    QLabel* m_impact;
    QPushButton* m_impactButton;
    QComboBox* m_metadata;
    QCheckBox* m_sharded;
    QLineEdit* m_shardSize;
    QLineEdit* m_output;
    QTableWidget* m_preview;
    QLabel* m_planMessage;
    QProgressBar* m_progress;
    QPushButton* m_exportButton;
    QPushButton* m_cancelButton;
    LatestTask* m_impactTask;
    std::shared_ptr<std::atomic_bool> m_cancel;
    bool m_exporting = false;
    bool m_planOk = false;
};

} // namespace safescope
