#pragma once

#include "core/publish/kohyametadata.h"

#include <QAbstractTableModel>

#include <vector>

namespace safescope {

/// kohya's ss_tag_frequency as a flat table, one row per (dataset folder, tag): sorted and filtered through a
/// QSortFilterProxyModel (SortRole gives counts as numbers, so 9 sorts below 10).
class TagFrequencyModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TagFrequencyModel)

public:
    enum Column
    {
        TagColumn,
        CountColumn,
        FolderColumn,
        ColumnCount
    };

    explicit TagFrequencyModel(QObject* parent = nullptr);
    ~TagFrequencyModel() override;

    void setTagFrequency(const std::vector<KohyaMetadata::TagFolder>& folders);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        QString tag;
        qint64 count = 0;
        QString folder;
    };
    std::vector<Row> m_rows;
};

} // namespace safescope
