#include "ui/models/tensortreemodel.h"

#include "core/text/format.h"
#include "ui/models/roles.h"

#include <QLatin1StringView>

namespace safescope {

namespace {

QString fromView(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// Shapes sort by rank, then dimension by dimension: zero-padded text keeps that order under string comparison.
QString shapeSortKey(std::span<const uint64_t> shape)
{
    QString key = QString::number(shape.size()).rightJustified(3, u'0');
    for (const uint64_t dim : shape)
        key += u':' + QString::number(dim).rightJustified(20, u'0');
    return key;
}

} // namespace

TensorTreeModel::TensorTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

TensorTreeModel::~TensorTreeModel() = default;

void TensorTreeModel::setTree(std::shared_ptr<const TensorTree> tree)
{
    beginResetModel();
    m_tree = std::move(tree);
    endResetModel();
}

void TensorTreeModel::setFlat(bool flat)
{
    if (flat == m_flat)
        return;
    beginResetModel();
    m_flat = flat;
    endResetModel();
}

uint32_t TensorTreeModel::nodeId(const QModelIndex& index) const
{
    if (!m_tree || !index.isValid() || index.model() != this)
        return TensorTree::kNone;
    return static_cast<uint32_t>(index.internalId());
}

QModelIndex TensorTreeModel::indexOfTensor(size_t tensorIndex) const
{
    if (!m_tree || tensorIndex >= m_tree->model().tensorCount())
        return {};
    return indexOfNode(m_tree->leafOf(tensorIndex));
}

QModelIndex TensorTreeModel::indexOfLogical(const std::string& name) const
{
    if (!m_tree || !m_tree->quant())
        return {};
    const std::optional<size_t> logical = m_tree->quant()->find(name);
    return logical ? indexOfNode(m_tree->logicalNodeOf(*logical)) : QModelIndex();
}

QModelIndex TensorTreeModel::indexOfNode(uint32_t node) const
{
    if (!m_tree || node == TensorTree::rootId() || node >= m_tree->nodeCount())
        return {};
    if (!m_flat)
        return createIndex(static_cast<int>(m_tree->rowOf(node)), 0, quintptr{node});
    if (const uint32_t row = m_tree->flatRowOf(node); row != TensorTree::kNone)
        return createIndex(static_cast<int>(row), 0, quintptr{node});
    // In the flat list only a quantized weight's parts keep a parent: the logical row they are folded under.
    return isFlatRow(m_tree->parentOf(node)) ? createIndex(static_cast<int>(m_tree->rowOf(node)), 0, quintptr{node})
                                             : QModelIndex();
}

bool TensorTreeModel::isFlatRow(uint32_t node) const
{
    return node != TensorTree::kNone && node < m_tree->nodeCount() && m_tree->flatRowOf(node) != TensorTree::kNone;
}

QModelIndex TensorTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!m_tree || row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (parent.isValid() && parent.column() != 0)
        return {};
    if (m_flat && !parent.isValid()) {
        const auto& order = m_tree->flatOrder();
        if (static_cast<size_t>(row) >= order.size())
            return {};
        return createIndex(row, column, quintptr{order[static_cast<size_t>(row)]});
    }
    const uint32_t parentId = parent.isValid() ? nodeId(parent) : TensorTree::rootId();
    const std::span<const uint32_t> children = m_tree->childrenOf(parentId);
    if (static_cast<size_t>(row) >= children.size())
        return {};
    return createIndex(row, column, quintptr{children[static_cast<size_t>(row)]});
}

QModelIndex TensorTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || !m_tree)
        return {};
    const uint32_t parentId = m_tree->parentOf(nodeId(child));
    if (parentId == TensorTree::rootId() || parentId == TensorTree::kNone)
        return {};
    if (m_flat && !isFlatRow(parentId))
        return {};
    return indexOfNode(parentId);
}

int TensorTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!m_tree)
        return 0;
    if (parent.isValid() && parent.column() != 0)
        return 0;
    if (m_flat && !parent.isValid())
        return static_cast<int>(m_tree->flatOrder().size());
    const uint32_t id = parent.isValid() ? nodeId(parent) : TensorTree::rootId();
    if (m_flat && m_tree->flatRowOf(id) == TensorTree::kNone)
        return 0; // in the flat list only a logical row has children: its stored parts
    return static_cast<int>(m_tree->childrenOf(id).size());
}

bool TensorTreeModel::hasChildren(const QModelIndex& parent) const
{
    return canFetchMore(parent) || rowCount(parent) > 0;
}

bool TensorTreeModel::canFetchMore(const QModelIndex& parent) const
{
    const uint32_t id = nodeId(parent);
    return !m_flat && id != TensorTree::kNone && parent.column() == 0 && m_tree->hasHiddenChildren(id);
}

// The hidden rows arrive with the whole tree, which replaces the preview (TensorBrowser re-opens what was opened).
void TensorTreeModel::fetchMore(const QModelIndex& parent)
{
    Q_UNUSED(parent)
}

int TensorTreeModel::columnCount(const QModelIndex& parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

QVariant TensorTreeModel::data(const QModelIndex& index, int role) const
{
    if (!m_tree || !index.isValid())
        return {};
    const TensorTree::Node& node = m_tree->node(nodeId(index));
    switch (role) {
    case Qt::DisplayRole:
        return displayData(node, index.column());
    case Qt::ToolTipRole:
        if (index.column() == NameColumn)
            return fromView(node.path);
        return displayData(node, index.column());
    case Qt::TextAlignmentRole:
        if (index.column() >= ParametersColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        return sortData(node, index.column(), index.row());
    case TensorIndexRole:
        return node.isGroup() ? qlonglong{-1} : qlonglong{node.tensor};
    case FullNameRole:
        return fromView(node.path);
    default:
        return {};
    }
}

QVariant TensorTreeModel::displayData(const TensorTree::Node& node, int column) const
{
    const TensorInfo* info = node.isGroup() ? nullptr : &m_tree->model().tensor(node.tensor);
    if (node.logical != nullptr) {
        // A quantized weight reads like the float tensor it stands for; the badge says how it is stored.
        switch (column) {
        case DTypeColumn:
            return node.logical->badge();
        case ShapeColumn:
            return format::shape(node.logical->shape);
        case OffsetColumn:
            return format::count(node.firstOffset);
        default:
            break;
        }
    }
    switch (column) {
    case NameColumn:
        return fromView(m_flat ? node.path : node.segment());
    case DTypeColumn:
        return info ? format::dtype(*info) : format::dtypeMix(node.dtypes);
    case ShapeColumn:
        return info ? format::shape(info->shape) : QString();
    case ParametersColumn:
        return format::count(node.parameters);
    case SizeColumn:
        return format::bytes(node.bytes);
    case OffsetColumn:
        return info ? format::count(node.firstOffset) : QString();
    default:
        return {};
    }
}

QVariant TensorTreeModel::sortData(const TensorTree::Node& node, int column, int row) const
{
    const TensorInfo* info = node.isGroup() ? nullptr : &m_tree->model().tensor(node.tensor);
    if (node.logical != nullptr && column == ShapeColumn)
        return shapeSortKey(node.logical->shape);
    switch (column) {
    case NameColumn:
        // Rows are already in natural order, so the row is the natural rank among siblings.
        return row;
    case DTypeColumn:
        if (info)
            return static_cast<int>(info->dtype);
        return node.dtypes.size() == 1 ? static_cast<int>(node.dtypes.front().first) : -1;
    case ShapeColumn:
        return info ? shapeSortKey(info->shape) : QString();
    case ParametersColumn:
        return qulonglong{node.parameters};
    case SizeColumn:
        return qulonglong{node.bytes};
    case OffsetColumn:
        return qulonglong{node.firstOffset};
    default:
        return {};
    }
}

QVariant TensorTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return section >= ParametersColumn ? QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case DTypeColumn:
        return tr("DType");
    case ShapeColumn:
        return tr("Shape");
    case ParametersColumn:
        return tr("Parameters");
    case SizeColumn:
        return tr("Size");
    case OffsetColumn:
        return tr("Offset");
    default:
        return {};
    }
}

} // namespace safescope
