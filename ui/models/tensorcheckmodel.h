#pragma once

#include <QIdentityProxyModel>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace safescope {

class TensorTree;
class TensorTreeModel;

/// Tick boxes on the name column of a TensorTreeModel (the browser's own tree, not a second one): ticking a group
/// ticks every tensor below it, and a group is Checked, PartiallyChecked or Unchecked by how many of its tensors
/// are ticked. State is one counter per tree node (ticked tensors at or below it; 0 or 1 for a leaf), so a tick
/// costs the size of the ticked subtree plus the depth, and a group's state is read from counts, never rescanned.
class TensorCheckModel final : public QIdentityProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TensorCheckModel)

public:
    explicit TensorCheckModel(QObject* parent = nullptr);
    ~TensorCheckModel() override;

    /// Only a TensorTreeModel is accepted (anything else shows no tick boxes). Every tensor starts ticked.
    void setSourceModel(QAbstractItemModel* source) override;
    TensorTreeModel* treeModel() const { return m_treeModel; }

    /// Of a TensorTree node id (see TensorTreeModel::nodeId).
    Qt::CheckState checkState(uint32_t node) const;
    /// Ticks or unticks a node and everything below it.
    void setNodeChecked(uint32_t node, bool checked);
    void setAllChecked(bool checked);
    /// Ticks exactly these model entries (indices into the Model).
    void setCheckedTensors(const std::vector<size_t>& tensors);
    /// Ticked model entries, in model order.
    std::vector<size_t> checkedTensors() const;
    size_t checkedCount() const;
    size_t tensorCount() const;
    /// Tensors that other rules (Include, Exclude) leave out whatever their tick: their rows show greyed and
    /// unticked, so the tree shows what an export takes. Indexed by model entry; empty leaves nothing out.
    void setLeftOut(std::vector<char> leftOut);
    bool isLeftOut(size_t tensor) const { return tensor < m_leftOut.size() && m_leftOut[tensor] != 0; }

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

signals:
    /// After any change of ticks.
    void checkedChanged();

private:
    void resetCounts();
    uint32_t nodeOf(const QModelIndex& index) const;
    QModelIndex indexOfNode(uint32_t node) const;
    void setSubtree(uint32_t node, bool checked);
    void notifySubtree(uint32_t node);

    TensorTreeModel* m_treeModel = nullptr;
    const TensorTree* m_countedTree = nullptr; ///< the tree the counters belong to
    std::vector<uint32_t> m_checkedBelow;      ///< per TensorTree node
    std::vector<char> m_leftOut;               ///< per model entry (see setLeftOut)
};

} // namespace safescope
