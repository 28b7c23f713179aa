#include "ui/models/metadatamodel.h"

#include "ui/models/roles.h"

namespace safescope {

namespace {

// Values can be whole JSON documents or base64 images of hundreds of KB: the table shows one short line,
// the side panel the full text.
constexpr qsizetype kPreviewLength = 200;

QString preview(const QString& value)
{
    QString line = value.left(kPreviewLength);
    line.replace(u'\n', u' ');
    line.replace(u'\r', u' ');
    line.replace(u'\t', u' ');
    if (value.size() > kPreviewLength)
        line += u'\u2026';
    return line;
}

} // namespace

MetadataModel::MetadataModel(QObject* parent) : QAbstractTableModel(parent) {}

MetadataModel::~MetadataModel() = default;

void MetadataModel::setMetadata(const std::vector<MetadataEntry>& header, const std::vector<MetadataEntry>& index)
{
    beginResetModel();
    m_rows.clear();
    m_rows.reserve(header.size() + index.size());
    for (const auto& entry : header)
        m_rows.push_back({QString::fromStdString(entry.key), QString::fromStdString(entry.value), false});
    for (const auto& entry : index)
        m_rows.push_back({QString::fromStdString(entry.key), QString::fromStdString(entry.value), true});
    m_hasIndex = !index.empty();
    endResetModel();
}

QString MetadataModel::key(int row) const
{
    return row >= 0 && static_cast<size_t>(row) < m_rows.size() ? m_rows[static_cast<size_t>(row)].key : QString();
}

QString MetadataModel::value(int row) const
{
    return row >= 0 && static_cast<size_t>(row) < m_rows.size() ? m_rows[static_cast<size_t>(row)].value : QString();
}

int MetadataModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int MetadataModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return m_hasIndex ? 3 : 2;
}

QVariant MetadataModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[static_cast<size_t>(index.row())];
    switch (index.column()) {
    case KeyColumn:
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole || role == SortRole || role == RawValueRole)
            return row.key;
        return {};
    case ValueColumn:
        if (role == Qt::DisplayRole)
            return preview(row.value);
        if (role == Qt::ToolTipRole)
            return preview(row.value.left(2000));
        if (role == RawValueRole || role == SortRole)
            return row.value;
        return {};
    case SourceColumn:
        if (role == Qt::DisplayRole || role == SortRole)
            return row.fromIndex ? tr("index file") : tr("header");
        return {};
    default:
        return {};
    }
}

QVariant MetadataModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn:
        return tr("Key");
    case ValueColumn:
        return tr("Value");
    case SourceColumn:
        return tr("Source");
    default:
        return {};
    }
}

} // namespace safescope
