#include "ui/models/tensortreemodel.h"

#include "core/text/format.h"
#include "ui/models/roles.h"

#include <QLatin1StringView>

#include <algorithm>

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
    const uint32_t leaf = m_tree->leafOf(tensorIndex);
    if (m_flat) {
        const auto& order = m_tree->flatOrder();
        const auto it = std::find(order.begin(), order.end(), static_cast<uint32_t>(tensorIndex));
        return createIndex(static_cast<int>(it - order.begin()), 0, quintptr{leaf});
    }
    return createIndex(static_cast<int>(m_tree->rowOf(leaf)), 0, quintptr{leaf});
}

QModelIndex TensorTreeModel::indexOfLogical(const std::string& name) const
{
    if (!m_tree || m_flat || !m_tree->quant())
        return {};
    const std::optional<size_t> logical = m_tree->quant()->find(name);
    const uint32_t node = logical ? m_tree->logicalNodeOf(*logical) : TensorTree::kNone;
    return node == TensorTree::kNone ? QModelIndex()
                                     : createIndex(static_cast<int>(m_tree->rowOf(node)), 0, quintptr{node});
}

QModelIndex TensorTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!m_tree || row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (m_flat) {
        const auto& order = m_tree->flatOrder();
        if (parent.isValid() || static_cast<size_t>(row) >= order.size())
            return {};
        return createIndex(row, column, quintptr{m_tree->leafOf(order[static_cast<size_t>(row)])});
    }
    if (parent.isValid() && parent.column() != 0)
        return {};
    const uint32_t parentId = parent.isValid() ? nodeId(parent) : TensorTree::rootId();
    const std::span<const uint32_t> children = m_tree->childrenOf(parentId);
    if (static_cast<size_t>(row) >= children.size())
        return {};
    return createIndex(row, column, quintptr{children[static_cast<size_t>(row)]});
}

QModelIndex TensorTreeModel::parent(const QModelIndex& child) const
{
    if (m_flat || !child.isValid() || !m_tree)
        return {};
    const uint32_t parentId = m_tree->parentOf(nodeId(child));
    if (parentId == TensorTree::rootId() || parentId == TensorTree::kNone)
        return {};
    return createIndex(static_cast<int>(m_tree->rowOf(parentId)), 0, quintptr{parentId});
}

int TensorTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!m_tree)
        return 0;
    if (m_flat)
        return parent.isValid() ? 0 : static_cast<int>(m_tree->flatOrder().size());
    if (parent.isValid() && parent.column() != 0)
        return 0;
    const uint32_t id = parent.isValid() ? nodeId(parent) : TensorTree::rootId();
    return static_cast<int>(m_tree->childrenOf(id).size());
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
