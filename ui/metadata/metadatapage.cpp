#include "ui/metadata/metadatapage.h"

#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/text/prettyjson.h"
#include "ui/metadata/metadatapublishactions.h"
#include "ui/metadata/valueeditordialog.h"
#include "ui/models/document.h"
#include "ui/models/metadatamodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QImage>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace safescope {

MetadataPage::MetadataPage(Document* document, QWidget* parent)
    : QWidget(parent), m_document(document), m_model(document->metadataModel()), m_table(new QTableView),
      m_empty(new QLabel(this)), m_detail(new QStackedWidget), m_text(new QPlainTextEdit), m_imageArea(new QScrollArea),
      m_image(new QLabel), m_toolBar(new QToolBar(this)), m_message(new QLabel(this)), m_scope(new QComboBox(this))
{
    m_table->setObjectName(QStringLiteral("metadataTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);

    auto* copyRow = new QAction(tr("&Copy"), m_table);
    copyRow->setShortcut(QKeySequence::Copy);
    copyRow->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    auto* copyKey = new QAction(tr("Copy &Key"), m_table);
    auto* copyValue = new QAction(tr("Copy &Value"), m_table);
    connect(copyRow, &QAction::triggered, this, [this] { copy(true, true); });
    connect(copyKey, &QAction::triggered, this, [this] { copy(true, false); });
    connect(copyValue, &QAction::triggered, this, [this] { copy(false, true); });
    m_table->addActions({copyRow, copyKey, copyValue});

    m_text->setReadOnly(true);
    m_text->setObjectName(QStringLiteral("metadataValue"));
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlaceholderText(tr("Select a key to see its whole value."));
    m_image->setAlignment(Qt::AlignCenter);
    m_imageArea->setWidget(m_image);
    m_imageArea->setWidgetResizable(true);
    m_detail->addWidget(m_text);
    m_detail->addWidget(m_imageArea);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->hide();

    m_message->setObjectName(QStringLiteral("metadataMessage"));
    m_message->setWordWrap(true);
    m_message->setAutoFillBackground(true);
    m_message->setBackgroundRole(QPalette::ToolTipBase);
    m_message->setForegroundRole(QPalette::ToolTipText);
    m_message->setContentsMargins(8, 4, 8, 4);
    m_message->hide();
    createToolBar();
    new MetadataPublishActions(m_model, m_toolBar, this); // publishing tools (issue 18), owned by the page

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_toolBar);
    layout->addWidget(m_message);
    layout->addWidget(m_empty);
    layout->addWidget(splitter, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                showRow(current.row());
                updateActions();
            });
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        showRow(m_table->currentIndex().row());
        updateActions(); // a summary row given a value (or back, by undo) can be renamed (or not)
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] { m_empty->hide(); });
    connect(m_model, &MetadataModel::editRefused, this, &MetadataPage::showMessage);
    connect(m_table, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        if (!m_model->isEditable(index.row()))
            return;
        if (index.column() == MetadataModel::KeyColumn)
            startRename();
        else
            editValueDialog();
    });
    connect(m_document, &Document::modelChanged, this, &MetadataPage::onModelChanged);
    connect(m_document, &Document::scopeChanged, this, &MetadataPage::showScope);
    updateActions();
    updateSaveAction(); // a page made for a document that is loaded already
}

void MetadataPage::createToolBar()
{
    m_toolBar->setObjectName(QStringLiteral("metadataToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->addAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("&Add Key\u2026"), this,
                         &MetadataPage::addKeyDialog);
    m_removeAction = m_toolBar->addAction(QIcon::fromTheme(QStringLiteral("list-remove")), tr("&Remove Key"), this,
                                          [this] { removeCurrentKey(); });
    m_renameAction = m_toolBar->addAction(tr("Re&name Key"), this, &MetadataPage::startRename);
    m_renameAction->setShortcut(QKeySequence(Qt::Key_F2));
    m_renameAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_editAction = m_toolBar->addAction(QIcon::fromTheme(QStringLiteral("document-edit")), tr("&Edit Value\u2026"),
                                        this, &MetadataPage::editValueDialog);
    // Keys are renamed in place; values open the multi-line editor, so the table starts no editor by itself.
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_removeAction->setShortcut(QKeySequence::Delete);
    m_removeAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    auto* separator = new QAction(m_table);
    separator->setSeparator(true);
    m_table->addActions({separator, m_renameAction, m_editAction, m_removeAction});
    m_toolBar->addSeparator();
    QAction* undo = m_model->undoStack()->createUndoAction(this, tr("Undo"));
    undo->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo")));
    QAction* redo = m_model->undoStack()->createRedoAction(this, tr("Redo"));
    redo->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo")));
    // The window's Edit menu owns Ctrl+Z / Ctrl+Shift+Z; a second owner would make them ambiguous.
    undo->setShortcuts({});
    redo->setShortcuts({});
    // QUndoStack renames the actions after each edit ("Undo Set value of ..."), which made every button to their
    // right jump; the buttons keep short names and the description moves to the tooltip.
    const auto keepShortText = [](QAction* action, const QString& text, const QString& description) {
        action->setText(text);
        action->setToolTip(description.isEmpty() ? text : text + u' ' + description);
    };
    connect(m_model->undoStack(), &QUndoStack::undoTextChanged, undo,
            [undo, keepShortText](const QString& description) { keepShortText(undo, tr("Undo"), description); });
    connect(m_model->undoStack(), &QUndoStack::redoTextChanged, redo,
            [redo, keepShortText](const QString& description) { keepShortText(redo, tr("Redo"), description); });
    m_toolBar->addAction(undo);
    m_toolBar->addAction(redo);
    m_toolBar->addSeparator();
    // A remote model is never saved where it lives: on a remote document Save asks for a local file (Save As).
    QAction* save = m_toolBar->addAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Save"), this, [this] {
        if (isRemote())
            emit saveAsRequested();
        else
            emit saveRequested();
    });
    save->setObjectName(QStringLiteral("metadataSave"));
    save->setEnabled(false);
    m_saveAction = save;
    connect(m_model, &MetadataModel::modifiedChanged, save, &QAction::setEnabled);
    m_toolBar->addAction(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("Save &As\u2026"), this,
                         &MetadataPage::saveAsRequested);
    m_toolBar->addSeparator();
    auto* scopeLabel = new QLabel(tr("&Edit:"), this);
    scopeLabel->setBuddy(m_scope);
    scopeLabel->setContentsMargins(4, 0, 4, 0);
    m_scope->setObjectName(QStringLiteral("metadataScope"));
    m_scope->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_scopeLabelAction = m_toolBar->addWidget(scopeLabel);
    m_scopeAction = m_toolBar->addWidget(m_scope);
    m_scopeLabelAction->setVisible(false);
    m_scopeAction->setVisible(false);
    connect(m_scope, &QComboBox::activated, this, [this] {
        if (!m_document->setShardScope(m_scope->currentData().toInt()))
            m_scope->setCurrentIndex(std::max(0, m_scope->findData(m_document->shardScope())));
    });
    // Switching scope with unsaved edits would silently apply them to other shards or lose them.
    connect(m_model, &MetadataModel::modifiedChanged, this, [this](bool modified) {
        m_scope->setEnabled(!modified);
        m_scope->setToolTip(modified ? tr("Save or undo the edits to switch shards") : QString());
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &MetadataPage::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &MetadataPage::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MetadataPage::updateActions);
}

void MetadataPage::updateActions()
{
    const int row = m_table->currentIndex().row();
    const bool editable = m_model->isEditable(row);
    m_removeAction->setEnabled(editable);
    m_renameAction->setEnabled(editable && !isSummaryRow(row));
    m_renameAction->setToolTip(editable ? renameRefusal(row) : QString());
    m_editAction->setEnabled(editable);
}

void MetadataPage::showMessage(const QString& text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QString MetadataPage::message() const
{
    return m_message->isHidden() ? QString() : m_message->text();
}

QString MetadataPage::addKey(const QString& key, const QString& value)
{
    const QString problem = m_model->addKey(key, value);
    if (problem.isEmpty()) {
        showMessage({});
        selectKey(key);
    }
    return problem;
}

QString MetadataPage::removeCurrentKey()
{
    const int row = m_table->currentIndex().row();
    const QString key = m_model->key(row);
    const QString problem = m_model->removeKey(row);
    if (!problem.isEmpty())
        return problem;
    // SPEC.md section 4: transformers' loader rejects a single-file checkpoint whose metadata has no "format".
    if (key == QLatin1StringView("format") && m_document->isSingleFile())
        showMessage(tr("Without a \u201cformat\u201d key, Hugging Face transformers will refuse to load this file. "
                       "Undo to keep it."));
    else
        showMessage({});
    return {};
}

QString MetadataPage::editValue(int row, const QString& value)
{
    const QString problem = m_model->setValue(row, value);
    if (problem.isEmpty())
        showMessage({});
    return problem;
}

bool MetadataPage::isSummaryRow(int row) const
{
    return shardScope() < 0 && !m_document->isSingleFile() && m_model->isEditable(row) &&
           m_document->shardUnion().isSummaryRow(m_model->key(row), m_model->value(row));
}

// Renaming a key the shards disagree on would have to write one value under the new name into every shard; the
// user gives the value first (or renames shard by shard).
QString MetadataPage::renameRefusal(int row) const
{
    if (!isSummaryRow(row))
        return {};
    return tr("The shards hold different values for \u201c%1\u201d (or some lack it), so it cannot be renamed in all "
              "of them at once. Set its value first, or rename it in each shard's scope.")
        .arg(m_model->key(row));
}

QString MetadataPage::renameKey(int row, const QString& key)
{
    if (const QString refusal = renameRefusal(row); !refusal.isEmpty()) {
        showMessage(refusal);
        return refusal;
    }
    const QString problem = m_model->renameKey(row, key);
    if (problem.isEmpty())
        showMessage({});
    return problem;
}

void MetadataPage::startRename()
{
    const int row = m_table->currentIndex().row();
    if (!m_model->isEditable(row))
        return;
    if (const QString refusal = renameRefusal(row); !refusal.isEmpty()) {
        showMessage(refusal);
        return;
    }
    m_table->edit(m_model->index(row, MetadataModel::KeyColumn));
}

void MetadataPage::addKeyDialog()
{
    bool ok = false;
    const QString key = QInputDialog::getText(this, tr("Add Metadata Key"), tr("Key:"), QLineEdit::Normal, {}, &ok);
    if (!ok)
        return;
    // The key is added with its value or not at all: Cancel in the value editor leaves the metadata untouched.
    if (!m_model->keyProblem(key).isEmpty()) {
        addKey(key, {}); // refused: shows why
        return;
    }
    ValueEditorDialog dialog(key, {}, this);
    if (dialog.exec() == QDialog::Accepted)
        addKey(key, dialog.value());
}

void MetadataPage::editValueDialog()
{
    const int row = m_table->currentIndex().row();
    if (!m_model->isEditable(row))
        return;
    // A summary is not a value: start from a real one (the first shard's), which the user may keep for every shard.
    const QString start =
        isSummaryRow(row) ? m_document->shardUnion().firstValue(m_model->key(row)) : m_model->value(row);
    ValueEditorDialog dialog(m_model->key(row), start, this);
    if (dialog.exec() == QDialog::Accepted)
        editValue(row, dialog.value());
}

MetadataPage::~MetadataPage() = default;

void MetadataPage::onModelChanged()
{
    const Model* source = m_document->model().get();
    const bool singleFile = m_document->isSingleFile();
    const QSignalBlocker blocker(m_scope);
    m_scope->clear();
    if (!singleFile) {
        m_scope->addItem(tr("All %1 shards").arg(source->shards().size()), -1);
        m_scope->setItemData(0,
                             tr("Shows every key of every shard, and where the shards disagree. Each added, changed "
                                "or removed key is saved into every shard; keys left alone keep each shard's value"),
                             Qt::ToolTipRole);
        for (size_t i = 0; i < source->shards().size(); ++i) {
            const QString& path = source->shards()[i].path;
            m_scope->addItem(QFileInfo(path).fileName(), static_cast<int>(i));
            m_scope->setItemData(m_scope->count() - 1, path, Qt::ToolTipRole);
        }
        m_scope->setCurrentIndex(std::max(0, m_scope->findData(m_document->shardScope())));
    }
    m_scope->setEnabled(true);
    m_scopeLabelAction->setVisible(!singleFile);
    m_scopeAction->setVisible(!singleFile);
    updateSaveAction();
}

void MetadataPage::updateSaveAction()
{
    const bool remote = isRemote();
    m_saveAction->setText(remote ? tr("&Save As\u2026") : tr("&Save"));
    m_saveAction->setToolTip(remote ? tr("The model is remote: the edits are saved to a local file, with every "
                                         "tensor byte copied from the server")
                                    : tr("Save"));
}

bool MetadataPage::isRemote() const
{
    const Model* source = m_document->model().get();
    return source && !source->shards().empty() && source->shards().front().file->byteSource() != nullptr;
}

int MetadataPage::shardScope() const
{
    return m_document->shardScope();
}

bool MetadataPage::setShardScope(int shard)
{
    const int item = m_scope->findData(shard);
    if (item < 0 || !m_document->setShardScope(shard))
        return false;
    m_scope->setCurrentIndex(item);
    return true;
}

void MetadataPage::showScope()
{
    const Model* source = m_document->model().get();
    if (!source)
        return;
    const int shard = shardScope();
    const bool singleFile = m_document->isSingleFile();
    if (!singleFile) {
        const QSignalBlocker blocker(m_scope);
        m_scope->setCurrentIndex(std::max(0, m_scope->findData(shard)));
    }
    showMessage({});
    m_table->resizeColumnToContents(MetadataModel::KeyColumn);
    m_table->setColumnWidth(MetadataModel::KeyColumn, std::min(m_table->columnWidth(MetadataModel::KeyColumn), 320));
    const bool empty = m_model->rowCount() == 0;
    if (empty) {
        const MetadataState state = shard < 0
                                        ? source->metadataState()
                                        : source->shards()[static_cast<size_t>(shard)].file->header().metadataState;
        if (shard >= 0)
            m_empty->setText(state == MetadataState::Null ? tr("This shard's __metadata__ is null.")
                                                          : tr("This shard has no __metadata__."));
        else if (!singleFile)
            m_empty->setText(tr("No shard has __metadata__."));
        else
            m_empty->setText(state == MetadataState::Null
                                 ? tr("The header's __metadata__ is null: this file carries no metadata.")
                                 : tr("This file has no __metadata__."));
    }
    m_empty->setVisible(empty);
    if (!empty)
        m_table->selectRow(0);
    else
        showRow(-1);
}

bool MetadataPage::selectKey(const QString& key)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->key(row) == key) {
            m_table->selectRow(row);
            return true;
        }
    }
    return false;
}

void MetadataPage::showRow(int row)
{
    if (isSummaryRow(row)) {
        m_text->setPlainText(m_document->shardUnion().details(m_model->key(row)));
        m_detail->setCurrentWidget(m_text);
        return;
    }
    const QString value = m_model->value(row);
    static const QLatin1StringView imagePrefix("data:image/");
    const qsizetype base64 = value.indexOf(QLatin1StringView(";base64,"));
    if (value.startsWith(imagePrefix) && base64 > 0) {
        QImage image;
        if (image.loadFromData(QByteArray::fromBase64(value.mid(base64 + 8).toLatin1()))) {
            m_image->setPixmap(QPixmap::fromImage(image));
            m_image->setToolTip(tr("%1 \u00d7 %2 image").arg(image.width()).arg(image.height()));
            m_detail->setCurrentWidget(m_imageArea);
            return;
        }
    }
    const QString pretty = prettyJson(value);
    m_text->setPlainText(pretty.isEmpty() ? value : pretty);
    m_detail->setCurrentWidget(m_text);
}

void MetadataPage::copy(bool key, bool value)
{
    const int row = m_table->currentIndex().row();
    if (row < 0)
        return;
    QString text;
    if (key && value)
        text = m_model->key(row) + QStringLiteral(": ") + m_model->value(row);
    else
        text = key ? m_model->key(row) : m_model->value(row);
    QApplication::clipboard()->setText(text);
}

QString MetadataPage::detailText() const
{
    return isShowingImage() ? QString() : m_text->toPlainText();
}

bool MetadataPage::isShowingImage() const
{
    return m_detail->currentWidget() == m_imageArea;
}

} // namespace safescope
