#include "ui/models/tensorfilterproxymodel.h"

#include "core/text/format.h"
#include "ui/models/roles.h"
#include "ui/models/tensortreemodel.h"

#include <algorithm>

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
    m_invalid = !filter.isValid();
    if (!m_invalid)
        m_filter = filter;
    m_totalsStale = true;
    invalidateFilter();
}

const std::vector<TensorFilterProxyModel::GroupTotals>& TensorFilterProxyModel::totals() const
{
    const TensorTree* tree = m_tree ? m_tree->tree() : nullptr;
    if (!m_totalsStale && m_totalsTree == tree)
        return m_totals;
    m_totalsStale = false;
    m_totalsTree = tree;
    m_totals.assign(tree ? tree->nodeCount() : 0, {});
    if (!tree)
        return m_totals;
    // One pass over the tensors, each adding itself to every group above it.
    for (size_t i = 0; i < tree->model().tensorCount(); ++i) {
        const uint32_t leaf = tree->leafOf(i);
        if (!leafMatches(leaf))
            continue;
        const TensorTree::Node node = tree->node(leaf);
        const DType dtype = tree->model().tensor(i).dtype;
        // Parameters are logical, as without a filter: a quantized weight counts its logical elements once, through
        // its main stored part (the codes); its companions (scales, zeros) add their bytes and dtypes, never
        // parameters. Summing the stored parts instead counted packed int4 words once and scales as weights.
        uint64_t parameters = node.parameters;
        if (const LogicalTensor* logical = tree->logicalOf(node.parent))
            parameters =
                logical->parts.empty() || node.path != logical->parts.front().second ? 0 : logical->elementCount;
        for (uint32_t id = node.parent; id != TensorTree::kNone; id = tree->parentOf(id)) {
            GroupTotals& group = m_totals[id];
            group.parameters += parameters;
            group.bytes += node.bytes;
            const auto it = std::find_if(group.dtypes.begin(), group.dtypes.end(),
                                         [dtype](const auto& entry) { return entry.first == dtype; });
            if (it == group.dtypes.end())
                group.dtypes.emplace_back(dtype, 1);
            else
                ++it->second;
        }
    }
    return m_totals;
}

QVariant TensorFilterProxyModel::data(const QModelIndex& index, int role) const
{
    const bool counted = role == Qt::DisplayRole || role == Qt::ToolTipRole || role == SortRole;
    const int column = index.column();
    if (!counted || m_filter.isEmpty() || m_invalid || !m_tree || !m_tree->tree() ||
        (column != TensorTreeModel::DTypeColumn && column != TensorTreeModel::ParametersColumn &&
         column != TensorTreeModel::SizeColumn))
        return QSortFilterProxyModel::data(index, role);
    const TensorTree& tree = *m_tree->tree();
    const uint32_t id = m_tree->nodeId(mapToSource(index));
    // Leaves and quantized weights describe themselves; groups count what the filter shows below them.
    if (id == TensorTree::kNone || tree.tensorOf(id) != TensorTree::kNone || tree.node(id).isLogical())
        return QSortFilterProxyModel::data(index, role);
    const GroupTotals& group = totals()[id];
    switch (column) {
    case TensorTreeModel::DTypeColumn:
        if (role == SortRole)
            return group.dtypes.size() == 1 ? static_cast<int>(group.dtypes.front().first) : -1;
        return format::dtypeMix(group.dtypes);
    case TensorTreeModel::ParametersColumn:
        return role == SortRole ? QVariant(qulonglong{group.parameters}) : QVariant(format::count(group.parameters));
    default:
        return role == SortRole ? QVariant(qulonglong{group.bytes}) : QVariant(format::bytes(group.bytes));
    }
}

bool TensorFilterProxyModel::hasChildren(const QModelIndex& parent) const
{
    if (!m_filter.isEmpty() || m_invalid || sourceModel() == nullptr)
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
    if (m_invalid)
        return false;
    if (m_filter.isEmpty() || !m_tree || !m_tree->tree())
        return true;
    return leafMatches(m_tree->nodeId(m_tree->index(sourceRow, 0, sourceParent)));
}

bool TensorFilterProxyModel::leafMatches(uint32_t id) const
{
    const TensorTree& tree = *m_tree->tree();
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
