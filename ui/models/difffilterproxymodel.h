#pragma once

#include <QSortFilterProxyModel>

namespace safescope {

/// Filters diff rows by a name substring (case-insensitive) and a status choice, and sorts by SortRole.
class DiffFilterProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffFilterProxyModel)

public:
    /// Status choices besides a single DiffStatus (0..kDiffStatusCount-1).
    static constexpr int AllStatuses = -1;
    static constexpr int ChangedOnly = -2; ///< everything not equal within tolerance

    explicit DiffFilterProxyModel(QObject* parent = nullptr);
    ~DiffFilterProxyModel() override;

    void setNameFilter(const QString& text);
    void setStatusFilter(int status);
    int statusFilter() const { return m_status; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_name;
    int m_status = AllStatuses;
};

} // namespace safescope
