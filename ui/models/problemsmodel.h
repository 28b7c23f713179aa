#pragma once

#include "core/warning.h"

#include <QAbstractTableModel>

#include <vector>

namespace safescope {

/// Lenient-open warnings and sharding inconsistencies of a model, one row each.
class ProblemsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProblemsModel)

public:
    enum Column { CodeColumn, TensorColumn, ShardColumn, OffsetColumn, MessageColumn, ColumnCount };

    explicit ProblemsModel(QObject* parent = nullptr);
    ~ProblemsModel() override;

    void setWarnings(std::vector<Warning> warnings);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<Warning> m_warnings;
};

} // namespace safescope
