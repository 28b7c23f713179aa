#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QScrollArea;
class QStackedWidget;
class QTableView;
class QToolBar;

namespace safescope {

class Document;
class MetadataModel;

/// `__metadata__` as a key/value table; the selected value is shown in full beside it: pretty-printed when it
/// holds JSON, as a picture when it is a data-URI image. A toolbar edits the header's keys and values (through
/// the model's undo stack) and asks for a save; refusals and warnings appear in a line above the table. For a sharded
/// model a scope box chooses between one shard and every shard at once; the latter shows the union of the shards'
/// keys, a summary where they disagree (see ShardMetadataUnion), and saves each edit into every shard. The page
/// observes a Document, which owns the metadata model, its undo stack and the scope.
class MetadataPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetadataPage)

public:
    explicit MetadataPage(Document* document, QWidget* parent = nullptr);
    ~MetadataPage() override;

    /// The shard being edited (index into Model::shards()), or -1 for every shard at once.
    int shardScope() const;
    /// Shows and edits one shard (or -1: all); refused (false) while there are unsaved edits or out of range.
    bool setShardScope(int shard);
    /// Selects the first row with this key; false when there is none.
    bool selectKey(const QString& key);
    QTableView* table() const { return m_table; }
    MetadataModel* metadataModel() const { return m_model; }
    /// What the side panel shows: the formatted text, or empty while it shows an image.
    QString detailText() const;
    bool isShowingImage() const;

    QToolBar* toolBar() const { return m_toolBar; }
    /// The refusal or warning shown above the table; empty when none.
    QString message() const;
    /// Adds a key (selecting it) / removes the current one / edits a value / renames a key, as the toolbar does,
    /// without dialogs.
    QString addKey(const QString& key, const QString& value);
    QString removeCurrentKey();
    QString editValue(int row, const QString& value);
    QString renameKey(int row, const QString& key);
    /// "All shards" scope: whether `row` shows a summary (the shards disagree, and the user has not set a value).
    bool isSummaryRow(int row) const;

signals:
    void saveRequested();
    void saveAsRequested();

private:
    void showRow(int row);
    void copy(bool key, bool value);
    void createToolBar();
    void showMessage(const QString& text);
    void addKeyDialog();
    void editValueDialog();
    void updateActions();
    void onModelChanged();
    void showScope();
    void startRename();
    QString renameRefusal(int row) const;
    /// Whether the document's model is remote (its shards read through a ByteSource): saved only as a local file.
    bool isRemote() const;
    /// Save on a remote document is Save As (a local file); the action says so.
    void updateSaveAction();

    Document* m_document;
    MetadataModel* m_model;
    QTableView* m_table;
    QLabel* m_empty;
    QStackedWidget* m_detail;
    QPlainTextEdit* m_text;
    QScrollArea* m_imageArea;
    QLabel* m_image;
    QToolBar* m_toolBar;
    QLabel* m_message;
    QAction* m_saveAction = nullptr;
    QAction* m_removeAction = nullptr;
    QAction* m_renameAction = nullptr;
    QAction* m_editAction = nullptr;
    QComboBox* m_scope;
    QAction* m_scopeLabelAction = nullptr;
    QAction* m_scopeAction = nullptr;
};

} // namespace safescope
