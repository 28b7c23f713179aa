#include "ui/models/tagfrequencymodel.h"

#include "core/text/format.h"
#include "ui/models/roles.h"

namespace safescope {

TagFrequencyModel::TagFrequencyModel(QObject* parent) : QAbstractTableModel(parent) {}

TagFrequencyModel::~TagFrequencyModel() = default;

void TagFrequencyModel::setTagFrequency(const std::vector<KohyaMetadata::TagFolder>& folders)
{
    beginResetModel();
    m_rows.clear();
    for (const KohyaMetadata::TagFolder& folder : folders) {
        const QString name = QString::fromStdString(folder.folder);
        for (const KohyaMetadata::TagCount& tag : folder.tags)
            m_rows.push_back({QString::fromStdString(tag.tag), tag.count, name});
    }
    endResetModel();
}

int TagFrequencyModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TagFrequencyModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TagFrequencyModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[static_cast<size_t>(index.row())];
    if (role == Qt::TextAlignmentRole && index.column() == CountColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (index.column()) {
    case TagColumn:
        return row.tag;
    case CountColumn:
        return role == SortRole ? QVariant(row.count) : QVariant(format::signedCount(row.count));
    case FolderColumn:
        return row.folder;
    default:
        return {};
    }
}

QVariant TagFrequencyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TagColumn:
        return tr("Tag");
    case CountColumn:
        return tr("Count");
    case FolderColumn:
        return tr("Dataset folder");
    default:
        return {};
    }
}

} // namespace safescope
