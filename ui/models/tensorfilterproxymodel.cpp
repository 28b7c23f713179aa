#include "ui/models/tensorfilterproxymodel.h"

#include "ui/models/roles.h"
#include "ui/models/tensortreemodel.h"

namespace safescope {

TensorFilterProxyModel::TensorFilterProxyModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setSortRole(SortRole);
}

TensorFilterProxyModel::~TensorFilterProxyModel() = default;

void TensorFilterProxyModel::setSourceModel(QAbstractItemModel* model)
{
    m_tree = qobject_cast<TensorTreeModel*>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

void TensorFilterProxyModel::setTensorFilter(const TensorFilter& filter)
{
    if (!filter.isValid())
        return;
    m_filter = filter;
    invalidateFilter();
}

bool TensorFilterProxyModel::hasChildren(const QModelIndex& parent) const
{
    if (!m_filter.isEmpty() || sourceModel() == nullptr)
        return QSortFilterProxyModel::hasChildren(parent);
    // Nothing is filtered out, so a row has children exactly when its source row has. The base class would build
    // the row's mapping to answer, and a view asks for every row it lays out: 1,563 mappings when the first level
    // of a 100,000-tensor tree opens, built on the GUI thread before the first paint.
    const QModelIndex source = mapToSource(parent);
    if (parent.isValid() && !source.isValid())
        return false;
    return sourceModel()->hasChildren(source);
}

bool TensorFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (m_filter.isEmpty() || !m_tree || !m_tree->tree())
        return true;
    const QModelIndex index = m_tree->index(sourceRow, 0, sourceParent);
    const TensorTree& tree = *m_tree->tree();
    const uint32_t id = m_tree->nodeId(index);
    const uint32_t tensor = tree.tensorOf(id);
    // Groups are shown through their matching descendants (recursive filtering), never on their own.
    if (tensor == TensorTree::kNone)
        return false;
    if (m_filter.matches(tree.model().tensor(tensor), tree.pathOf(id)))
        return true;
    // A stored part also matches by its quantized weight's logical name ("up_proj.weight" finds "up_proj.qweight").
    const LogicalTensor* logical = tree.logicalOf(tree.parentOf(id));
    return logical != nullptr && m_filter.matches(tree.model().tensor(tensor), logical->name);
}

} // namespace safescope
