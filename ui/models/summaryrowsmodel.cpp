#include "ui/models/summaryrowsmodel.h"

#include "core/text/format.h"
#include "ui/models/roles.h"

namespace safescope {

SummaryRowsModel::SummaryRowsModel(Kind kind, QObject* parent) : QAbstractTableModel(parent), m_kind(kind) {}

void SummaryRowsModel::setRows(std::vector<ModelSummary::Row> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int SummaryRowsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int SummaryRowsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_kind == Kind::Modules ? 5 : 4;
}

SummaryRowsModel::Column SummaryRowsModel::columnAt(int column) const
{
    // The tensors table has no "Tensors" column (every row is one tensor).
    if (m_kind == Kind::Tensors && column >= static_cast<int>(Column::Tensors))
        ++column;
    return static_cast<Column>(column);
}

QVariant SummaryRowsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ModelSummary::Row& row = m_rows[static_cast<size_t>(index.row())];
    const Column column = columnAt(index.column());
    const bool text = column == Column::Name || column == Column::Detail;
    switch (role) {
    case Qt::DisplayRole:
        if (text)
            return column == Column::Name ? row.name : row.detail;
        return column == Column::Size ? format::bytes(row.bytes) : format::count(number(row, column));
    case Qt::ToolTipRole:
        return text ? data(index, Qt::DisplayRole) : QVariant();
    case Qt::TextAlignmentRole:
        return text ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case SortRole:
        return text ? data(index, Qt::DisplayRole) : QVariant::fromValue<qulonglong>(number(row, column));
    default:
        return {};
    }
}

uint64_t SummaryRowsModel::number(const ModelSummary::Row& row, Column column)
{
    return column == Column::Tensors ? row.tensors : column == Column::Parameters ? row.parameters : row.bytes;
}

QVariant SummaryRowsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount())
        return {};
    switch (columnAt(section)) {
    case Column::Name:
        return m_kind == Kind::Modules ? tr("Module") : tr("Tensor");
    case Column::Detail:
        return m_kind == Kind::Modules ? tr("DTypes") : tr("DType and shape");
    case Column::Tensors:
        return tr("Tensors");
    case Column::Parameters:
        return tr("Parameters");
    case Column::Size:
        return tr("Size");
    }
    return {};
}

} // namespace safescope
