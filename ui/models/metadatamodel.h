#pragma once

#include "core/format/header.h"

#include <QAbstractTableModel>

#include <vector>

class QUndoStack;

namespace safescope {

/// `__metadata__` key/value pairs in file order; for sharded models the index file's metadata follows,
/// marked in a third column. The header's pairs are editable; every edit goes through undoStack() so it can be
/// undone, and the stack's clean state says whether there are unsaved changes.
class MetadataModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetadataModel)

public:
    enum Column
    {
        KeyColumn,
        ValueColumn,
        SourceColumn
    };

    explicit MetadataModel(QObject* parent = nullptr);
    ~MetadataModel() override;

    /// Replaces everything and forgets the edit history (a freshly opened or saved file).
    void setMetadata(const std::vector<MetadataEntry>& header, const std::vector<MetadataEntry>& index = {});
    QString key(int row) const;
    QString value(int row) const;
    /// Rows [0, headerRowCount()) are the header's `__metadata__`; index-file rows follow and are read-only.
    int headerRowCount() const { return m_headerRows; }
    bool isEditable(int row) const { return row >= 0 && row < m_headerRows; }

    QUndoStack* undoStack() const { return m_undo; }
    bool isModified() const;
    /// The header metadata as loaded, and as edited now.
    const std::vector<MetadataEntry>& originalEntries() const { return m_original; }
    std::vector<MetadataEntry> headerEntries() const;

    /// Why `key` cannot name header row `row` (-1: a new row), or empty when it can.
    QString keyProblem(const QString& key, int row = -1) const;
    /// Edits pushed as undo commands; each returns empty on success, or the reason it was refused (and emits
    /// editRefused with it).
    QString setValue(int row, const QString& value);
    QString renameKey(int row, const QString& key);
    QString addKey(const QString& key, const QString& value);
    QString removeKey(int row);

    /// Raw changes for the undo commands only: no checks, no history.
    void applyValue(int row, const QString& value);
    void applyKey(int row, const QString& key);
    void applyInsert(int row, const QString& key, const QString& value);
    void applyRemove(int row);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

signals:
    void editRefused(const QString& reason);
    void modifiedChanged(bool modified);

private:
    QString refuse(const QString& reason);

    struct Row
    {
        QString key;
        QString value;
        bool fromIndex = false;
    };
    std::vector<Row> m_rows;
    std::vector<MetadataEntry> m_original;
    int m_headerRows = 0;
    bool m_hasIndex = false;
    QUndoStack* m_undo;
};

} // namespace safescope
