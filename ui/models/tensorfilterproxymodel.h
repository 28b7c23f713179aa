#pragma once

#include "ui/models/tensorfilter.h"

#include <QSortFilterProxyModel>

#include <cstdint>
#include <utility>
#include <vector>

namespace safescope {

class TensorTree;
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

    /// Installs a filter. An invalid one shows no rows: keeping the previous results beside its error message read
    /// as if they matched it.
    void setTensorFilter(const TensorFilter& filter);
    const TensorFilter& tensorFilter() const { return m_filter; }
    void setSourceModel(QAbstractItemModel* model) override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    /// A group's dtype mix, parameters and size count its matching tensors only while a filter is on.
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    bool leafMatches(uint32_t id) const;
    /// Totals of the matching tensors below each group, for the current filter and snapshot (built on first use).
    struct GroupTotals
    {
        uint64_t parameters = 0;
        uint64_t bytes = 0;
        std::vector<std::pair<DType, uint32_t>> dtypes;
    };
    const std::vector<GroupTotals>& totals() const;

    TensorTreeModel* m_tree = nullptr;
    TensorFilter m_filter;
    bool m_invalid = false;
    mutable std::vector<GroupTotals> m_totals;
    mutable const TensorTree* m_totalsTree = nullptr;
    mutable bool m_totalsStale = true;
};

} // namespace safescope
