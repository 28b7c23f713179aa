#include "ui/models/tensorcheckmodel.h"

#include "ui/models/tensortree.h"
#include "ui/models/tensortreemodel.h"

namespace safescope {

TensorCheckModel::TensorCheckModel(QObject* parent) : QIdentityProxyModel(parent) {}

TensorCheckModel::~TensorCheckModel() = default;

void TensorCheckModel::setSourceModel(QAbstractItemModel* source)
{
    if (m_treeModel)
        disconnect(m_treeModel, nullptr, this, nullptr);
    m_treeModel = qobject_cast<TensorTreeModel*>(source);
    // Connected before the base class connects its own forwarding: a new tree must have its counters sized before
    // the views that hear our modelReset ask for tick states.
    if (m_treeModel)
        connect(m_treeModel, &QAbstractItemModel::modelReset, this, &TensorCheckModel::resetCounts);
    resetCounts();
    QIdentityProxyModel::setSourceModel(source);
}

void TensorCheckModel::resetCounts()
{
    const TensorTree* tree = m_treeModel ? m_treeModel->tree() : nullptr;
    // Switching the source between tree and flat mode resets it too: the ticks belong to the tree, not to the mode.
    if (tree && tree == m_countedTree && m_checkedBelow.size() == tree->nodeCount())
        return;
    m_countedTree = tree;
    m_checkedBelow.clear();
    if (!tree)
        return;
    m_checkedBelow.resize(tree->nodeCount());
    for (size_t id = 0; id < tree->nodeCount(); ++id)
        m_checkedBelow[id] = tree->tensorCountOf(static_cast<uint32_t>(id));
}

uint32_t TensorCheckModel::nodeOf(const QModelIndex& index) const
{
    if (!m_treeModel || !index.isValid())
        return TensorTree::kNone;
    const uint32_t node = m_treeModel->nodeId(mapToSource(index));
    return node < m_checkedBelow.size() ? node : TensorTree::kNone;
}

QModelIndex TensorCheckModel::indexOfNode(uint32_t node) const
{
    const TensorTree* tree = m_treeModel->tree();
    if (node == TensorTree::rootId())
        return {};
    if (m_treeModel->isFlat())
        return mapFromSource(m_treeModel->indexOfNode(node));
    return index(static_cast<int>(tree->rowOf(node)), 0, indexOfNode(tree->parentOf(node)));
}

Qt::CheckState TensorCheckModel::checkState(uint32_t node) const
{
    if (!m_treeModel || node >= m_checkedBelow.size())
        return Qt::Unchecked;
    const uint32_t checked = m_checkedBelow[node];
    if (checked == 0)
        return Qt::Unchecked;
    return checked == m_treeModel->tree()->tensorCountOf(node) ? Qt::Checked : Qt::PartiallyChecked;
}

void TensorCheckModel::setSubtree(uint32_t node, bool checked)
{
    const TensorTree* tree = m_treeModel->tree();
    const uint32_t wanted = checked ? tree->tensorCountOf(node) : 0;
    const auto delta = static_cast<int64_t>(wanted) - static_cast<int64_t>(m_checkedBelow[node]);
    if (delta == 0)
        return;
    std::vector<uint32_t> pending{node};
    while (!pending.empty()) {
        const uint32_t id = pending.back();
        pending.pop_back();
        const TensorTree::Node& n = tree->node(id);
        m_checkedBelow[id] = checked ? n.tensorCount : 0;
        for (const uint32_t child : n.children) {
            // A subtree already in the wanted state needs no visit.
            if (m_checkedBelow[child] != (checked ? tree->tensorCountOf(child) : 0))
                pending.push_back(child);
        }
    }
    for (uint32_t id = tree->parentOf(node); id != TensorTree::kNone; id = tree->parentOf(id))
        m_checkedBelow[id] = static_cast<uint32_t>(static_cast<int64_t>(m_checkedBelow[id]) + delta);
}

void TensorCheckModel::notifySubtree(uint32_t node)
{
    const QList<int> roles{Qt::CheckStateRole};
    // The flat list has no group rows: every top row may have changed, and below them only the parts of quantized
    // weights, which the walk down reaches.
    const bool flat = m_treeModel->isFlat();
    if (flat) {
        const int rows = rowCount();
        if (rows > 0)
            emit dataChanged(index(0, 0), index(rows - 1, 0), roles);
    }
    const TensorTree* tree = m_treeModel->tree();
    for (uint32_t id = node; id != TensorTree::rootId() && id != TensorTree::kNone; id = tree->parentOf(id)) {
        if (const QModelIndex changed = indexOfNode(id); changed.isValid())
            emit dataChanged(changed, changed, roles);
    }
    // Below the node, one range per group: the cost follows the number of groups, not of tensors.
    std::vector<uint32_t> pending{node};
    while (!pending.empty()) {
        const uint32_t id = pending.back();
        pending.pop_back();
        const TensorTree::Node& n = tree->node(id);
        if (n.children.empty())
            continue;
        const QModelIndex parent = indexOfNode(id);
        if (!flat || parent.isValid())
            emit dataChanged(index(0, 0, parent), index(static_cast<int>(n.children.size()) - 1, 0, parent), roles);
        for (const uint32_t child : n.children) {
            if (tree->tensorOf(child) == TensorTree::kNone)
                pending.push_back(child);
        }
    }
}

void TensorCheckModel::setNodeChecked(uint32_t node, bool checked)
{
    if (!m_treeModel || node >= m_checkedBelow.size())
        return;
    const uint32_t before = m_checkedBelow[node];
    setSubtree(node, checked);
    if (m_checkedBelow[node] == before)
        return;
    notifySubtree(node);
    emit checkedChanged();
}

void TensorCheckModel::setAllChecked(bool checked)
{
    setNodeChecked(TensorTree::rootId(), checked);
}

void TensorCheckModel::setCheckedTensors(const std::vector<size_t>& tensors)
{
    if (!m_treeModel || m_checkedBelow.empty())
        return;
    const TensorTree* tree = m_treeModel->tree();
    std::fill(m_checkedBelow.begin(), m_checkedBelow.end(), 0);
    for (const size_t tensor : tensors) {
        if (tensor >= tree->model().tensorCount())
            continue;
        const uint32_t leaf = tree->leafOf(tensor);
        if (m_checkedBelow[leaf] != 0)
            continue; // listed twice
        for (uint32_t id = leaf; id != TensorTree::kNone; id = tree->parentOf(id))
            ++m_checkedBelow[id];
    }
    notifySubtree(TensorTree::rootId());
    emit checkedChanged();
}

std::vector<size_t> TensorCheckModel::checkedTensors() const
{
    std::vector<size_t> checked;
    if (!m_treeModel || m_checkedBelow.empty())
        return checked;
    const TensorTree* tree = m_treeModel->tree();
    checked.reserve(m_checkedBelow[TensorTree::rootId()]);
    for (size_t i = 0; i < tree->model().tensorCount(); ++i) {
        if (m_checkedBelow[tree->leafOf(i)] != 0)
            checked.push_back(i);
    }
    return checked;
}

size_t TensorCheckModel::checkedCount() const
{
    return m_checkedBelow.empty() ? 0 : m_checkedBelow[TensorTree::rootId()];
}

size_t TensorCheckModel::tensorCount() const
{
    return m_checkedBelow.empty() ? 0 : m_treeModel->tree()->tensorCountOf(TensorTree::rootId());
}

void TensorCheckModel::setLeftOut(std::vector<char> leftOut)
{
    if (leftOut == m_leftOut)
        return;
    m_leftOut = std::move(leftOut);
    if (m_treeModel && !m_checkedBelow.empty())
        notifySubtree(TensorTree::rootId());
}

QVariant TensorCheckModel::data(const QModelIndex& index, int role) const
{
    if (role == Qt::CheckStateRole) {
        if (index.column() != 0)
            return {};
        const uint32_t node = nodeOf(index);
        if (node == TensorTree::kNone)
            return {};
        const uint32_t tensor = m_treeModel->tree()->tensorOf(node);
        return tensor != TensorTree::kNone && isLeftOut(tensor) ? QVariant(Qt::Unchecked) : QVariant(checkState(node));
    }
    return QIdentityProxyModel::data(index, role);
}

bool TensorCheckModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::CheckStateRole || index.column() != 0)
        return QIdentityProxyModel::setData(index, value, role);
    const uint32_t node = nodeOf(index);
    if (node == TensorTree::kNone)
        return false;
    // A view sends Checked for a click on a partly ticked group: the whole subtree becomes ticked.
    setNodeChecked(node, value.value<Qt::CheckState>() != Qt::Unchecked);
    return true;
}

Qt::ItemFlags TensorCheckModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags flags = QIdentityProxyModel::flags(index);
    const uint32_t node = nodeOf(index);
    if (index.column() == 0 && node != TensorTree::kNone)
        flags |= Qt::ItemIsUserCheckable;
    if (node != TensorTree::kNone) {
        const uint32_t tensor = m_treeModel->tree()->tensorOf(node);
        if (tensor != TensorTree::kNone && isLeftOut(tensor))
            flags &= ~Qt::ItemIsEnabled; // drawn greyed: a tick here would not export it
    }
    return flags;
}

} // namespace safescope
