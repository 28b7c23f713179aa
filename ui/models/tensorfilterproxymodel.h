#pragma once

#include "ui/models/tensorfilter.h"

#include <QSortFilterProxyModel>

namespace safescope {

class TensorTreeModel;

/// Filters a TensorTreeModel with a TensorFilter; groups stay visible while any tensor below them matches
/// (recursive filtering), and sorting uses the raw SortRole values.
class TensorFilterProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TensorFilterProxyModel)

public:
    explicit TensorFilterProxyModel(QObject* parent = nullptr);
    ~TensorFilterProxyModel() override;

    /// Installs a filter; an invalid one is ignored so the view keeps its last useful state while the user types.
    void setTensorFilter(const TensorFilter& filter);
    const TensorFilter& tensorFilter() const { return m_filter; }
    void setSourceModel(QAbstractItemModel* model) override;
    bool hasChildren(const QModelIndex& parent = {}) const override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    TensorTreeModel* m_tree = nullptr;
    TensorFilter m_filter;
};

} // namespace safescope
