#pragma once

#include "core/model.h"
#include "core/tensorslice.h"

#include <QWidget>

#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QProgressDialog;
class QPushButton;
class QTableView;

namespace safescope {

class SliceControls;
class SliceTableModel;

/// The "Slice" tab: a 2-D slice of the tensor as a table that decodes only what is on screen, with dimension
/// pickers, a number format, Ctrl+C copying the selection as TSV, and CSV export of the whole slice.
class SlicePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlicePanel)

public:
    explicit SlicePanel(QWidget* parent = nullptr);
    ~SlicePanel() override;

    void setModel(std::shared_ptr<const Model> model);
    void showTensor(size_t index);
    void clearTensor();
    /// Shows another slice of the current tensor (from the heatmap's pickers); no specChanged.
    void setSpec(const SliceSpec& spec);
    /// Scrolls to a cell of the slice and selects it.
    void jumpTo(uint64_t row, uint64_t col);
    /// Copies the selection as TSV to the clipboard and returns the text (empty when nothing was copied).
    QString copySelection();
    /// Writes the whole slice as CSV through QSaveFile (the old file stays intact on failure or cancel);
    /// an error text, empty on success or cancel.
    QString exportCsv(const QString& path, QProgressDialog* progress = nullptr);

    SliceTableModel* sliceModel() const { return m_model; }
    QTableView* tableView() const { return m_table; }
    SliceControls* controls() const { return m_controls; }

signals:
    void specChanged(const safescope::SliceSpec& spec);

private:
    void onSpecPicked(const SliceSpec& spec);
    void updateStatus();
    void exportWithDialog();

    std::shared_ptr<const Model> m_document;
    std::optional<size_t> m_tensor;
    SliceControls* m_controls;
    QComboBox* m_format;
    QPushButton* m_export;
    QLabel* m_status;
    QTableView* m_table;
    SliceTableModel* m_model;
};

} // namespace safescope
