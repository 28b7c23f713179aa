#pragma once

#include "ui/models/modelsummary.h"

#include <QAbstractTableModel>

#include <vector>

namespace safescope {

/// The overview's "largest tensors" and "modules" tables as a model: cells are formatted when a view asks for
/// them, so a checkpoint with thousands of top-level modules costs nothing until those rows scroll into view
/// (filling a QTreeWidget item by item took 7-26 ms of the open of a 1,563-module header on the GUI thread).
class SummaryRowsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SummaryRowsModel)

public:
    enum class Kind
    {
        Tensors, ///< name, dtype and shape, parameters, size
        Modules  ///< name, dtype mix, tensors, parameters, size
    };

    explicit SummaryRowsModel(Kind kind, QObject* parent = nullptr);

    void setRows(std::vector<ModelSummary::Row> rows);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    enum class Column
    {
        Name,
        Detail,
        Tensors,
        Parameters,
        Size
    };
    Column columnAt(int column) const;
    /// The raw count of a numeric column.
    static uint64_t number(const ModelSummary::Row& row, Column column);

    Kind m_kind;
    std::vector<ModelSummary::Row> m_rows;
};

} // namespace safescope
