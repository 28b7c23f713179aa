#include "ui/models/difffilterproxymodel.h"

#include "ui/models/difftablemodel.h"

namespace safescope {

DiffFilterProxyModel::DiffFilterProxyModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(SortRole);
    // Rows stream in while the user may already have sorted: keep the order live.
    setDynamicSortFilter(true);
}

DiffFilterProxyModel::~DiffFilterProxyModel() = default;

void DiffFilterProxyModel::setNameFilter(const QString& text)
{
    if (text == m_name)
        return;
    m_name = text;
    invalidateRowsFilter();
}

void DiffFilterProxyModel::setStatusFilter(int status)
{
    if (status == m_status)
        return;
    m_status = status;
    invalidateRowsFilter();
}

bool DiffFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_status == ChangedOnly && !index.data(DiffTableModel::ChangedRole).toBool())
        return false;
    if (m_status >= 0 && index.data(DiffTableModel::StatusRole).toInt() != m_status)
        return false;
    return m_name.isEmpty() || index.data(FullNameRole).toString().contains(m_name, Qt::CaseInsensitive);
}

} // namespace safescope
