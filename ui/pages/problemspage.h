#pragma once

#include "core/format/model.h"
#include "core/format/warning.h"
#include "core/values/healthproblem.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;

namespace safescope {

class ProblemsModel;

/// Every problem of a model: structure (unknown dtypes, duplicate names, sharding inconsistencies), metadata (a
/// single file without "format") and values (the health scan: NaN, Inf, zero and constant tensors, F16 overflow,
/// duplicates, misalignment). Reading the values of a model takes one pass over all its bytes, so the scan starts by
/// itself when the page is first shown only for models up to kAutoScanBytes; bigger ones wait for "Scan values".
/// The scan runs in the background with progress and Cancel, and until it has completed the page never claims that
/// every check passed. A remote model is scanned only on "Scan values" (it downloads every byte), tensor by tensor.
/// Double-clicking a row shows its tensor, and a value finding its first offending element.
class ProblemsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProblemsPage)

public:
    /// Models up to this many bytes of tensor data are scanned as soon as the page is shown (a few seconds at most).
    static constexpr uint64_t kAutoScanBytes = uint64_t(4) << 30;

    enum class ScanState
    {
        NotScanned,
        Scanning,
        Scanned,
        Cancelled,
        Failed
    };

    explicit ProblemsPage(QWidget* parent = nullptr);
    ~ProblemsPage() override;

    /// Shows the model's problems followed by `extra` ones (ProblemsModel::setModelProblems()) and the findings that
    /// need no value read (misalignment, metadata). Values cannot be scanned through this overload.
    void setModel(const Model& model, std::vector<Warning> extra = {});
    /// The same, for a model the page may keep (shared) to scan its values in the background.
    void setModel(std::shared_ptr<const Model> model, std::vector<Warning> extra = {});
    int count() const;
    QTableView* table() const { return m_table; }

    /// Starts the value scan (cancelling one that runs); scanFinished() reports the end.
    void startScan();
    void cancelScan();
    ScanState scanState() const { return m_state; }
    QString scanStatus() const;
    QPushButton* scanButton() const { return m_scanButton; }
    QPushButton* cancelButton() const { return m_cancelButton; }
    QProgressBar* scanProgress() const { return m_progress; }
    /// Acts as a double-click on source row `row` of the table's model (for tests and keyboard users).
    void activateRow(int row);

signals:
    void countChanged(int count);
    /// A row asks to show `tensor` and, when `element` >= 0, that flat element of it.
    void tensorActivated(const QString& tensor, qint64 element);
    void scanFinished();

protected:
    void showEvent(QShowEvent* event) override;

private:
    struct ScanJob
    {
        std::atomic_bool cancel{false};
        std::atomic<uint64_t> done{0};
        uint64_t total = 0;
        std::optional<Result<HealthReport>> result;
    };

    void showStructure(const Model& model, std::vector<Warning> extra);
    void onScanDone();
    void updateStatus();
    void updateEmpty();

    std::shared_ptr<const Model> m_scanned; ///< the model the value scan reads (null: no scan possible)
    bool m_remote = false;                  ///< m_scanned is read over the network (FetchedTensor), not mapped
    std::shared_ptr<ScanJob> m_job;
    QFutureWatcher<void> m_watcher;
    ScanState m_state = ScanState::NotScanned;
    bool m_autoScanTried = false;
    QString m_failure;
    ProblemsModel* m_model;
    QTableView* m_table;
    QLabel* m_empty;
    QLabel* m_status;
    QProgressBar* m_progress;
    QPushButton* m_scanButton;
    QPushButton* m_cancelButton;
    QTimer* m_poll;
};

} // namespace safescope
