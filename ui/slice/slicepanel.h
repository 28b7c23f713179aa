#pragma once

#include "core/format/model.h"
#include "core/quant/quantcatalog.h"
#include "core/values/tensorslice.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace safescope {

class SliceControls;
class SliceTableModel;
class SliceWindowBar;

/// The "Slice" tab: a 2-D slice of the tensor as a table that decodes only what is on screen, with dimension
/// pickers, a number format, Ctrl+C copying the selection as TSV, and CSV export of the whole slice in the
/// background (progress and Cancel in the panel's status line; the window stays usable). Axes longer than the
/// table can hold are shown a window at a time, moved with the window bar or by jumping to a cell.
class SlicePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlicePanel)

public:
    explicit SlicePanel(QWidget* parent = nullptr);
    ~SlicePanel() override;

    /// A new document; with `quant`, logical tensors (valuesource.h) show their dequantized values.
    void setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant = {});
    void showTensor(size_t index);
    void clearTensor();
    /// Shows another slice of the current tensor (from the heatmap's pickers); no specChanged.
    void setSpec(const SliceSpec& spec);
    /// Scrolls to a cell of the slice and selects it.
    void jumpTo(uint64_t row, uint64_t col);
    /// Shows the slice holding flat (row-major) element `element` of the current tensor, its last two axes free,
    /// and selects the element's cell (the Problems page points at a tensor's first NaN this way).
    bool jumpToElement(uint64_t element);
    /// Copies the selection as TSV to the clipboard and returns the text (empty when nothing was copied).
    QString copySelection();
    /// Starts writing the whole slice as CSV to `path` on a worker thread, through QSaveFile: nothing appears
    /// under `path` (and an old file stays intact) unless the export completes. exportFinished() reports the end.
    /// An error text when it cannot start (nothing to export, an export already running), else empty.
    QString exportCsv(const QString& path);
    /// Stops a running export; exportFinished() follows with `cancelled` set.
    void cancelExport();
    /// From exportCsv() until exportFinished(): the UI's notion of busy, not the worker's.
    bool isExporting() const { return m_exportCancel != nullptr; }
    /// The export line of the status row: progress, then the outcome.
    QString exportStatus() const;
    /// Progress of the running export, 0 to 1000.
    int exportProgress() const { return m_exportJob.progressValue(); }

    SliceTableModel* sliceModel() const { return m_model; }
    QTableView* tableView() const { return m_table; }
    SliceControls* controls() const { return m_controls; }
    SliceWindowBar* windowBar() const { return m_windowBar; }

signals:
    void specChanged(const safescope::SliceSpec& spec);
    /// An export ended: `error` is empty on success and when cancelled.
    void exportFinished(const QString& path, const QString& error, bool cancelled);

private:
    void onSpecPicked(const SliceSpec& spec);
    void showFrom(Qt::Orientation orientation, uint64_t index);
    void updateWindowBar();
    void updateStatus();
    void exportWithDialog();
    void onExportDone();

    std::shared_ptr<const Model> m_document;
    std::shared_ptr<const QuantCatalog> m_quant;
    std::optional<size_t> m_tensor;
    SliceControls* m_controls;
    QComboBox* m_format;
    QPushButton* m_export;
    QLabel* m_status;
    QLabel* m_exportStatus;
    QProgressBar* m_exportProgress;
    QPushButton* m_cancelExport;
    /// Result: nullopt when cancelled, else the error text (empty on success). Always delivered, so a cancel
    /// that comes after the commit still reports the file as written.
    QFutureWatcher<std::optional<QString>> m_exportJob;
    std::shared_ptr<std::atomic_bool> m_exportCancel;
    QString m_exportPath;
    SliceWindowBar* m_windowBar;
    QTableView* m_table;
    SliceTableModel* m_model;
};

} // namespace safescope
