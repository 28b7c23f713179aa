#include "ui/models/metadatamodel.h"

#include "ui/models/addmetadatakeycommand.h"
#include "ui/models/removemetadatakeycommand.h"
#include "ui/models/renamemetadatakeycommand.h"
#include "ui/models/roles.h"
#include "ui/models/setmetadatavaluecommand.h"

#include <QUndoStack>

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

MetadataModel::MetadataModel(QObject* parent) : QAbstractTableModel(parent), m_undo(new QUndoStack(this))
{
    connect(m_undo, &QUndoStack::cleanChanged, this, [this](bool clean) { emit modifiedChanged(!clean); });
}

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
    m_headerRows = static_cast<int>(header.size());
    m_original = header;
    endResetModel();
    m_undo->clear();
}

bool MetadataModel::isModified() const
{
    return !m_undo->isClean();
}

std::vector<MetadataEntry> MetadataModel::headerEntries() const
{
    std::vector<MetadataEntry> entries;
    entries.reserve(static_cast<size_t>(m_headerRows));
    for (int row = 0; row < m_headerRows; ++row) {
        const Row& r = m_rows[static_cast<size_t>(row)];
        entries.push_back({r.key.toStdString(), r.value.toStdString()});
    }
    return entries;
}

QString MetadataModel::keyProblem(const QString& key, int row) const
{
    if (key.isEmpty())
        return tr("A metadata key cannot be empty.");
    if (key == QLatin1StringView("__metadata__"))
        return tr("\u201c__metadata__\u201d is reserved by the safetensors format and cannot be a metadata key.");
    for (int other = 0; other < m_headerRows; ++other) {
        if (other != row && m_rows[static_cast<size_t>(other)].key == key)
            return tr("The key \u201c%1\u201d already exists; keys must be unique.").arg(key);
    }
    return {};
}

QString MetadataModel::refuse(const QString& reason)
{
    emit editRefused(reason);
    return reason;
}

QString MetadataModel::setValue(int row, const QString& value)
{
    if (!isEditable(row))
        return refuse(tr("Only the file header's metadata can be edited."));
    const QString old = m_rows[static_cast<size_t>(row)].value;
    if (old != value)
        m_undo->push(new SetMetadataValueCommand(this, row, old, value));
    return {};
}

QString MetadataModel::renameKey(int row, const QString& key)
{
    if (!isEditable(row))
        return refuse(tr("Only the file header's metadata can be edited."));
    const QString old = m_rows[static_cast<size_t>(row)].key;
    if (old == key)
        return {};
    if (QString problem = keyProblem(key, row); !problem.isEmpty())
        return refuse(problem);
    m_undo->push(new RenameMetadataKeyCommand(this, row, old, key));
    return {};
}

QString MetadataModel::addKey(const QString& key, const QString& value)
{
    if (QString problem = keyProblem(key); !problem.isEmpty())
        return refuse(problem);
    m_undo->push(new AddMetadataKeyCommand(this, m_headerRows, key, value));
    return {};
}

QString MetadataModel::removeKey(int row)
{
    if (!isEditable(row))
        return refuse(tr("Only the file header's metadata can be edited."));
    m_undo->push(new RemoveMetadataKeyCommand(this, row));
    return {};
}

void MetadataModel::applyValue(int row, const QString& value)
{
    m_rows[static_cast<size_t>(row)].value = value;
    emit dataChanged(index(row, ValueColumn), index(row, ValueColumn));
}

void MetadataModel::applyKey(int row, const QString& key)
{
    m_rows[static_cast<size_t>(row)].key = key;
    emit dataChanged(index(row, KeyColumn), index(row, KeyColumn));
}

void MetadataModel::applyInsert(int row, const QString& key, const QString& value)
{
    beginInsertRows({}, row, row);
    m_rows.insert(m_rows.begin() + row, Row{key, value, false});
    ++m_headerRows;
    endInsertRows();
}

void MetadataModel::applyRemove(int row)
{
    beginRemoveRows({}, row, row);
    m_rows.erase(m_rows.begin() + row);
    --m_headerRows;
    endRemoveRows();
}

Qt::ItemFlags MetadataModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && isEditable(index.row()) && index.column() != SourceColumn)
        flags |= Qt::ItemIsEditable;
    return flags;
}

bool MetadataModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    switch (index.column()) {
    case KeyColumn:
        return renameKey(index.row(), value.toString()).isEmpty();
    case ValueColumn:
        return setValue(index.row(), value.toString()).isEmpty();
    default:
        return false;
    }
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
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole || role == SortRole || role == RawValueRole ||
            role == Qt::EditRole)
            return row.key;
        return {};
    case ValueColumn:
        if (role == Qt::DisplayRole)
            return preview(row.value);
        if (role == Qt::ToolTipRole)
            return preview(row.value.left(2000));
        if (role == RawValueRole || role == SortRole || role == Qt::EditRole)
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
