#pragma once

#include "ui/models/tensortree.h"

#include <QAbstractItemModel>

#include <memory>

namespace safescope {

/// The tensor tree (or, with setFlat(true), the flat natural-order list) of one model. Reads an immutable
/// TensorTree snapshot and formats cells only when a view asks for them. A preview snapshot (TensorTree::buildPreview)
/// is shown as a tree only.
class TensorTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TensorTreeModel)

public:
    enum Column
    {
        NameColumn,
        DTypeColumn,
        ShapeColumn,
        ParametersColumn,
        SizeColumn,
        OffsetColumn,
        ColumnCount
    };

    explicit TensorTreeModel(QObject* parent = nullptr);
    ~TensorTreeModel() override;

    void setTree(std::shared_ptr<const TensorTree> tree);
    const TensorTree* tree() const { return m_tree.get(); }
    void setFlat(bool flat);
    bool isFlat() const { return m_flat; }

    /// The snapshot node behind an index of this model (TensorTree::kNone for an invalid index).
    uint32_t nodeId(const QModelIndex& index) const;
    /// The row of a model entry (column 0), in the current mode.
    QModelIndex indexOfTensor(size_t tensorIndex) const;
    /// The row of a quantized weight by its logical name, invalid when there is none.
    QModelIndex indexOfLogical(const std::string& name) const;
    /// The row of a tree node (column 0) in the current mode; invalid for the root, and for groups in flat mode.
    QModelIndex indexOfNode(uint32_t node) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    /// True also for a preview's rows whose children come with the whole tree (TensorTree::hasHiddenChildren), so
    /// that they show as groups; they have no rows to fetch meanwhile.
    bool hasChildren(const QModelIndex& parent = {}) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    /// Whether `node` is a top-level row of the flat list.
    bool isFlatRow(uint32_t node) const;
    QVariant displayData(const TensorTree::Node& node, int column) const;
    QVariant sortData(const TensorTree::Node& node, int column, int row) const;

    std::shared_ptr<const TensorTree> m_tree;
    bool m_flat = false;
};

} // namespace safescope
