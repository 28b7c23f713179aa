#pragma once

#include "core/header.h"

#include <QAbstractTableModel>

#include <vector>

namespace safescope {

/// `__metadata__` key/value pairs in file order; for sharded models the index file's metadata follows,
/// marked in a third column.
class MetadataModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetadataModel)

public:
    enum Column { KeyColumn, ValueColumn, SourceColumn };

    explicit MetadataModel(QObject* parent = nullptr);
    ~MetadataModel() override;

    void setMetadata(const std::vector<MetadataEntry>& header, const std::vector<MetadataEntry>& index = {});
    QString key(int row) const;
    QString value(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        QString key;
        QString value;
        bool fromIndex = false;
    };
    std::vector<Row> m_rows;
    bool m_hasIndex = false;
};

} // namespace safescope
