// The metadata editor in the real window: edit, undo/redo, save in place and by rewrite, refusals, failures.
#include "core/format/dtype.h"
#include "core/format/model.h"
#include "core/edit/recoveryrecord.h"
#include "support/clirun.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "ui/window/changedbanner.h"
#include "ui/window/documentview.h"
#include "ui/export/exportdialog.h"
#include "ui/window/mainwindow.h"
#include "ui/metadata/metadatapage.h"
#include "ui/models/metadatamodel.h"
#include "ui/models/shardmetadataunion.h"
#include "ui/window/modelview.h"
#include "ui/window/recoverybanner.h"
#include "ui/metadata/saveconflictdialog.h"
#include "ui/metadata/savesummarydialog.h"
#include "ui/metadata/valueeditordialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>

#include <functional>
#include <memory>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

std::vector<MetadataEntry> metadataOnDisk(const QString& path)
{
    auto model = Model::open(path, OpenMode::Strict);
    if (!model)
        return {{"<error>", model.error().describe().toStdString()}};
    return (*model)->metadata();
}

QString metadataText(const QString& path)
{
    QStringList pairs;
    for (const MetadataEntry& entry : metadataOnDisk(path))
        pairs.append(QString::fromStdString(entry.key) + u'=' + QString::fromStdString(entry.value));
    return pairs.join(u',');
}

QAction* saveAction(const QWidget& window)
{
    const QList<QAction*> actions = window.findChildren<QAction*>();
    for (QAction* action : actions) {
        if (action->shortcut() == QKeySequence(QKeySequence::Save))
            return action;
    }
    return nullptr;
}

// Answers the next modal dialog from inside its event loop: `answer` gets it (nullptr when none came up within
// ten seconds). The polling timer belongs to `owner`, so it never outlives the test.
void whenModal(QObject* owner, std::function<void(QWidget*)> answer)
{
    auto* timer = new QTimer(owner);
    auto tries = std::make_shared<int>(0);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, tries, answer = std::move(answer)] {
        QWidget* modal = QApplication::activeModalWidget();
        if (!modal && ++*tries <= 400)
            return;
        timer->stop();
        answer(modal);
    });
    timer->start(25);
}

} // namespace

class TestMetadataEdit final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_settings.isValid());
        isolateSettings(QStringLiteral("tst_metadataedit"), m_settings.path());
    }

    void editUndoRedoSaveInPlaceThenRewrite()
    {
        QTemporaryDir dir;
        const QString path =
            makeCheckpoint(dir, QStringLiteral("edit.safetensors"), R"({"format":"pt","name":"a"})", 64);
        const QByteArray data = dataRegion(path);
        const uint64_t headerLength = headerLengthOf(path);

        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        MetadataModel* model = page->metadataModel();
        QCOMPARE(model->rowCount(), 2);
        QVERIFY(!document->isModified());
        QVERIFY(!window.windowTitle().contains(u'*'));

        // Edit a value, add a key: the tab and the window title say the document is modified.
        QVERIFY(page->editValue(1, QStringLiteral("b")).isEmpty());
        QVERIFY(page->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        QCOMPARE(model->rowCount(), 3);
        QVERIFY(document->isModified());
        QVERIFY(window.tabs()->tabText(0).endsWith(u'*'));
        QVERIFY(window.windowTitle().contains(u'*'));

        // Undo / redo through the window's Edit menu actions.
        QAction* undo = nullptr;
        QAction* redo = nullptr;
        const QList<QAction*> actions = window.findChildren<QAction*>();
        for (QAction* action : actions) {
            if (action->shortcut() == QKeySequence(QKeySequence::Undo))
                undo = action;
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z))
                redo = action;
        }
        QVERIFY(undo && redo);
        QVERIFY(undo->isEnabled());
        undo->trigger();
        QCOMPARE(model->rowCount(), 2);
        undo->trigger();
        QCOMPARE(model->value(1), QStringLiteral("a"));
        QVERIFY(!document->isModified());
        QVERIFY(!window.tabs()->tabText(0).endsWith(u'*'));
        redo->trigger();
        redo->trigger();
        QCOMPARE(model->key(2), QStringLiteral("license"));

        // Refusals leave a message and no edit.
        QVERIFY(!page->addKey(QStringLiteral("name"), QStringLiteral("x")).isEmpty());
        QVERIFY(page->message().contains(QStringLiteral("unique")));
        QCOMPARE(model->rowCount(), 3);

        // Save: small enough to fit the header padding, so in place.
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QVERIFY(document->startSave());
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QVERIFY2(document->lastSaveMessage().contains(QStringLiteral("in place")),
                 qPrintable(document->lastSaveMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QVERIFY(!document->isModified());
        QVERIFY(!window.tabs()->tabText(0).endsWith(u'*'));
        QCOMPARE(headerLengthOf(path), headerLength);
        QCOMPARE(dataRegion(path), data);
        std::vector<MetadataEntry> onDisk = metadataOnDisk(path);
        QCOMPARE(onDisk.size(), size_t(3));
        QCOMPARE(onDisk[1].value, std::string("b"));
        QCOMPARE(onDisk[2].key, std::string("license"));
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(document->undoStack()->count(), 0);
        // Our own save is not "changed on disk".
        QTest::qWait(200);
        QVERIFY(document->banner()->isHidden());

        // A value larger than the header: rewritten, tensor bytes still identical.
        QVERIFY(page->editValue(1, QString(4000, u'z')).isEmpty());
        QVERIFY(document->startSave({}, 4096));
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 2, kTimeoutMs);
        QVERIFY2(saved.at(1).at(0).toBool(), qPrintable(saved.at(1).at(1).toString()));
        QVERIFY2(document->lastSaveMessage().startsWith(QStringLiteral("Rewrote")),
                 qPrintable(document->lastSaveMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QVERIFY(headerLengthOf(path) >= 4000 + 4096);
        QCOMPARE(dataRegion(path), data);
        onDisk = metadataOnDisk(path);
        QCOMPARE(onDisk.size(), size_t(3));
        QCOMPARE(onDisk[1].value, std::string(4000, 'z'));
        QCOMPARE(model->value(1), QString(4000, u'z'));
    }

    void metadataTabCountsEditsAndUnsaved()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("tab.safetensors"), R"({"format":"pt","name":"a"})", 0);
        MainWindow window;
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QTabWidget* pages = document->modelView()->pages();
        MetadataPage* page = document->modelView()->metadataPage();
        const auto tabText = [pages] { return pages->tabText(ModelView::MetadataPageIndex); };
        QCOMPARE(tabText(), QStringLiteral("Metadata (2)"));
        QVERIFY(page->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        QCOMPARE(tabText(), QStringLiteral("Metadata (3) \u2022"));
        page->metadataModel()->undoStack()->undo();
        QCOMPARE(tabText(), QStringLiteral("Metadata (2)"));
        page->metadataModel()->undoStack()->redo();
        QCOMPARE(tabText(), QStringLiteral("Metadata (3) \u2022"));
        // Same count as on disk, still unsaved.
        QVERIFY(page->selectKey(QStringLiteral("name")));
        QVERIFY(page->removeCurrentKey().isEmpty());
        QCOMPARE(tabText(), QStringLiteral("Metadata (2) \u2022"));
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QVERIFY(document->startSave());
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QTRY_COMPARE_WITH_TIMEOUT(tabText(), QStringLiteral("Metadata (2)"), kTimeoutMs);
    }

    void oneShardScopeSavesOnlyThatShard()
    {
        QTemporaryDir dir;
        const QString index = writeTwoShardModel(dir, 48);
        const QString first = dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"));
        const QString second = dir.filePath(QStringLiteral("model-00002-of-00002.safetensors"));
        const QByteArray firstHash = fileSha256(first);
        const QByteArray secondHash = fileSha256(second);
        const QByteArray indexHash = fileSha256(index);
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(index);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        QVERIFY(document->modelView()->showPage(QStringLiteral("metadata")));
        auto* scope = page->findChild<QComboBox*>(QStringLiteral("metadataScope"));
        QVERIFY(scope && scope->isVisible());
        QCOMPARE(scope->count(), 3); // all shards, then each shard by name
        QCOMPARE(scope->itemText(2), QStringLiteral("model-00002-of-00002.safetensors"));
        QCOMPARE(page->shardScope(), -1);

        QVERIFY(page->setShardScope(1));
        MetadataModel* model = page->metadataModel();
        QCOMPARE(model->value(1), QStringLiteral("2")); // the second shard's own "shard" value
        QVERIFY(page->addKey(QStringLiteral("note"), QStringLiteral("x")).isEmpty());
        QVERIFY(!scope->isEnabled());
        QVERIFY(!page->setShardScope(0)); // unsaved edits pin the scope
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QVERIFY(document->startSave());
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QVERIFY2(document->lastSaveMessage().contains(QStringLiteral("in place")),
                 qPrintable(document->lastSaveMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);

        QCOMPARE(fileSha256(first), firstHash);
        QCOMPARE(fileSha256(index), indexHash);
        QVERIFY(fileSha256(second) != secondHash);
        QCOMPARE(dataRegion(second), QByteArray("bbbb"));
        auto reopened = Model::open(index, OpenMode::Strict);
        QVERIFY(reopened);
        const auto& secondMeta = (*reopened)->shards()[1].file->header().metadata;
        QCOMPARE(secondMeta.size(), size_t{3});
        QCOMPARE(secondMeta[2].key, std::string("note"));
        QCOMPARE((*reopened)->shards()[0].file->header().metadata.size(), size_t{2});
        // The reloaded tab keeps editing the same shard.
        QCOMPARE(document->path(), QFileInfo(index).absoluteFilePath());
        QCOMPARE(page->shardScope(), 1);
        QCOMPARE(model->rowCount(), 3 + 1); // three keys + the index's total_size
        QVERIFY(scope->isEnabled());
        QVERIFY(page->setShardScope(-1));
        // All shards: the shards' own "shard" values differ, and only the second has "note".
        QCOMPARE(model->key(1), QStringLiteral("shard"));
        QCOMPARE(model->value(1), QStringLiteral("\u2039differs across 2 shard(s)\u203a"));
        QCOMPARE(model->key(2), QStringLiteral("note"));
        QCOMPARE(model->value(2), QStringLiteral("\u2039missing in model-00001-of-00002.safetensors\u203a x"));
    }

    void allShardsScopeShowsTheUnionAndSavesEachShard()
    {
        // Two shards whose metadata differ: "shard" has a value of its own in each, "author" is only in the
        // first, "note" only in the second; "format" and "license" agree.
        QTemporaryDir dir;
        const QByteArray room(96, ' ');
        const QByteArray h1 = R"({"__metadata__":{"format":"pt","shard":"1","license":"mit","author":"ann"},)" +
                              tensorJson("x", "U8", {4}, 0, 4) + "}" + room;
        const QByteArray h2 = R"({"__metadata__":{"format":"pt","shard":"2","note":"two","license":"mit"},)" +
                              tensorJson("y", "U8", {4}, 0, 4) + "}" + room;
        const QString first = writeFile(dir, QStringLiteral("model-00001-of-00002.safetensors"), rawFile(h1, "aaaa"));
        const QString second = writeFile(dir, QStringLiteral("model-00002-of-00002.safetensors"), rawFile(h2, "bbbb"));
        const QString index =
            writeFile(dir, QStringLiteral("model.safetensors.index.json"),
                      R"({"metadata":{"total_size":8},"weight_map":{"x":"model-00001-of-00002.safetensors",)"
                      R"("y":"model-00002-of-00002.safetensors"}})");
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(index);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QVERIFY(document->modelView()->showPage(QStringLiteral("metadata")));
        MetadataPage* page = document->modelView()->metadataPage();
        MetadataModel* model = page->metadataModel();
        QCOMPARE(page->shardScope(), -1);

        // The union of the keys, in order of first appearance; a summary where the shards disagree.
        const QStringList keys{QStringLiteral("format"), QStringLiteral("shard"), QStringLiteral("license"),
                               QStringLiteral("author"), QStringLiteral("note")};
        QCOMPARE(model->headerRowCount(), int(keys.size()));
        for (int row = 0; row < keys.size(); ++row)
            QCOMPARE(model->key(row), keys[row]);
        QCOMPARE(model->value(0), QStringLiteral("pt"));
        QCOMPARE(model->value(1), QStringLiteral("\u2039differs across 2 shard(s)\u203a"));
        QCOMPARE(model->value(2), QStringLiteral("mit"));
        QCOMPARE(model->value(3), QStringLiteral("\u2039missing in model-00002-of-00002.safetensors\u203a ann"));
        QCOMPARE(model->value(4), QStringLiteral("\u2039missing in model-00001-of-00002.safetensors\u203a two"));
        QVERIFY(!page->isSummaryRow(0) && page->isSummaryRow(1) && !page->isSummaryRow(2));
        // The side panel lists every shard's value.
        QVERIFY(page->selectKey(QStringLiteral("shard")));
        QVERIFY2(page->detailText().contains(QStringLiteral("model-00001-of-00002.safetensors:\n1")),
                 qPrintable(page->detailText()));
        QVERIFY(page->detailText().contains(QStringLiteral("model-00002-of-00002.safetensors:\n2")));
        QVERIFY(page->selectKey(QStringLiteral("note")));
        QVERIFY(page->detailText().contains(QStringLiteral("model-00001-of-00002.safetensors:\n(missing)")));

        // Renaming a key the shards disagree on is refused (it would write one value into every shard).
        QVERIFY(!page->renameKey(1, QStringLiteral("part")).isEmpty());
        QVERIFY2(page->message().contains(QStringLiteral("different values")), qPrintable(page->message()));
        QCOMPARE(model->key(1), QStringLiteral("shard"));
        QVERIFY(!document->isModified());

        // Edits apply to every shard: "author" gets a value (so the second shard gains it), "note" goes, "license"
        // is renamed, a key is added; "shard" is left alone, so each shard keeps its own.
        QVERIFY(page->editValue(3, QStringLiteral("bob")).isEmpty());
        QVERIFY(!page->isSummaryRow(3));
        QVERIFY(page->renameKey(3, QStringLiteral("writer")).isEmpty()); // a real value now: rename allowed
        QVERIFY(page->selectKey(QStringLiteral("note")));
        QVERIFY(page->removeCurrentKey().isEmpty());
        QVERIFY(page->renameKey(2, QStringLiteral("licence")).isEmpty());
        QVERIFY(page->addKey(QStringLiteral("added"), QStringLiteral("v")).isEmpty());
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QVERIFY(document->startSave());
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QVERIFY2(document->lastSaveMessage().contains(QStringLiteral("2 shards in place")),
                 qPrintable(document->lastSaveMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);

        const auto entries = [](const QString& path) {
            QStringList pairs;
            for (const MetadataEntry& entry : metadataOnDisk(path))
                pairs.append(QString::fromStdString(entry.key + "=" + entry.value));
            return pairs;
        };
        QCOMPARE(entries(first),
                 (QStringList{QStringLiteral("format=pt"), QStringLiteral("shard=1"), QStringLiteral("licence=mit"),
                              QStringLiteral("writer=bob"), QStringLiteral("added=v")}));
        QCOMPARE(entries(second),
                 (QStringList{QStringLiteral("format=pt"), QStringLiteral("shard=2"), QStringLiteral("licence=mit"),
                              QStringLiteral("writer=bob"), QStringLiteral("added=v")}));
        QCOMPARE(dataRegion(first), QByteArray("aaaa"));
        QCOMPARE(dataRegion(second), QByteArray("bbbb"));

        // Reloaded: still the union, "shard" still differs, everything else now agrees.
        QCOMPARE(page->shardScope(), -1);
        QCOMPARE(model->headerRowCount(), 5);
        QVERIFY(page->isSummaryRow(1));
        for (int row : {0, 2, 3, 4})
            QVERIFY(!page->isSummaryRow(row));
    }

    void shardSummaryNamesTheMissingShards()
    {
        const QStringList names{QStringLiteral("s1"), QStringLiteral("s2"), QStringLiteral("s3"), QStringLiteral("s4"),
                                QStringLiteral("s5")};
        const ShardMetadataUnion shards(
            names,
            {{{"k", "a"}, {"all", "x"}}, {{"all", "x"}}, {{"all", "x"}, {"k", "b"}}, {{"all", "x"}}, {{"all", "x"}}});
        QCOMPARE(shards.keys().size(), size_t{2});
        QVERIFY(!shards.keys()[0].isUniform());
        QVERIFY(shards.keys()[1].isUniform());
        QCOMPARE(shards.summary(shards.keys()[0]),
                 QStringLiteral("\u2039differs across 2 shard(s); missing in s2, s4 and 1 more\u203a"));
        QCOMPARE(shards.summary(shards.keys()[1]), QString());
        const std::vector<MetadataEntry> entries = shards.editorEntries();
        QCOMPARE(entries[0].key, std::string("k"));
        QCOMPARE(QString::fromStdString(entries[0].value), shards.summary(shards.keys()[0]));
        QCOMPARE(entries[1].value, std::string("x"));
        QVERIFY(shards.isSummaryRow(QStringLiteral("k"), QString::fromStdString(entries[0].value)));
        QVERIFY(!shards.isSummaryRow(QStringLiteral("k"), QStringLiteral("a")));
        QCOMPARE(shards.firstValue(QStringLiteral("k")), QStringLiteral("a"));
    }

    void shardedSaveAsWritesACopy()
    {
        QTemporaryDir dir;
        const QString index = writeTwoShardModel(dir, 48);
        const QStringList names{QStringLiteral("model-00001-of-00002.safetensors"),
                                QStringLiteral("model-00002-of-00002.safetensors"),
                                QStringLiteral("model.safetensors.index.json")};
        QList<QByteArray> hashes;
        for (const QString& name : names)
            hashes.append(fileSha256(dir.filePath(name)));
        MainWindow window;
        DocumentView* document = window.openPath(index);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        QCOMPARE(page->shardScope(), -1);
        QVERIFY(page->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        QTemporaryDir out;
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QVERIFY(document->startSaveShardsAs(out.path()));
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);

        for (qsizetype i = 0; i < names.size(); ++i)
            QCOMPARE(fileSha256(dir.filePath(names[i])), hashes[i]);
        // The copy opens as one model, every shard carrying the new key; the tab now shows the copy.
        const QString copyIndex = QDir(out.path()).filePath(names[2]);
        QCOMPARE(document->path(), QFileInfo(copyIndex).absoluteFilePath());
        QVERIFY(!document->isModified());
        auto copy = Model::open(copyIndex, OpenMode::Strict);
        QVERIFY2(copy, qPrintable(copy ? QString() : copy.error().describe()));
        QCOMPARE((*copy)->shards().size(), size_t{2});
        QCOMPARE((*copy)->tensorCount(), size_t{2});
        QVERIFY((*copy)->warnings().empty());
        for (const Model::Shard& shard : (*copy)->shards()) {
            QVERIFY(shard.path.startsWith(QDir(out.path()).absolutePath()));
            QCOMPARE(shard.file->header().metadata.back().key, std::string("license"));
        }
        QCOMPARE(document->modelView()->loaded()->model->shards()[0].path, (*copy)->shards()[0].path);
    }

    void shardedSaveAsOfAFolderWithoutIndex()
    {
        // A plain folder of .safetensors files: the copy is a folder of the same files, and the tab moves to it.
        QTemporaryDir dir;
        QVERIFY(QFile::remove(writeTwoShardModel(dir, 48)));
        const QString first = dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"));
        const QByteArray firstHash = fileSha256(first);
        MainWindow window;
        DocumentView* document = window.openPath(dir.path());
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        QCOMPARE(page->shardScope(), -1);
        QVERIFY(page->addKey(QStringLiteral("license"), QStringLiteral("mit")).isEmpty());
        QTemporaryDir out;
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QVERIFY(document->startSaveShardsAs(out.path()));
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QCOMPARE(fileSha256(first), firstHash);
        QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name),
                 (QStringList{QStringLiteral("model-00001-of-00002.safetensors"),
                              QStringLiteral("model-00002-of-00002.safetensors")}));
        QCOMPARE(document->path(), QDir(out.path()).absolutePath());
        QVERIFY(!document->isModified());
        const auto& model = document->modelView()->loaded()->model;
        QCOMPARE(model->shards().size(), size_t{2});
        for (const Model::Shard& shard : model->shards()) {
            QVERIFY(shard.path.startsWith(QDir(out.path()).absolutePath()));
            QCOMPARE(shard.file->header().metadata.back().key, std::string("license"));
        }
    }

    void removingFormatWarns()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("format.safetensors"), R"({"format":"pt"})", 0);
        MainWindow window;
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        QVERIFY(page->selectKey(QStringLiteral("format")));
        QVERIFY(page->removeCurrentKey().isEmpty());
        QCOMPARE(page->metadataModel()->rowCount(), 0);
        QVERIFY2(page->message().contains(QStringLiteral("transformers")), qPrintable(page->message()));
        document->undoStack()->undo();
        QCOMPARE(page->metadataModel()->key(0), QStringLiteral("format"));
    }

    void readOnlySaveFailsAndKeepsEdits()
    {
        QTemporaryDir dir;
        QVERIFY(QFile::setPermissions(dir.path(), QFile::Permissions(0x7777)));
        const QString path = makeCheckpoint(dir, QStringLiteral("ro.safetensors"), R"({"format":"pt"})", 200);
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        const QByteArray before = readBytes(path);
        MainWindow window;
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        QVERIFY(page->addKey(QStringLiteral("x"), QStringLiteral("y")).isEmpty());
        QSignalSpy saved(document, &DocumentView::saveFinished);
        {
            Unprivileged user;
            QVERIFY(document->startSave());
            QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        }
        QVERIFY(!saved.at(0).at(0).toBool());
        const QString message = saved.at(0).at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("Permission denied")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("ro.safetensors")), qPrintable(message));
        QCOMPARE(readBytes(path), before);
        QVERIFY(document->isModified());
        QCOMPARE(page->metadataModel()->rowCount(), 2);
    }

    void saveSummarySaysWhatTheSaveDoes()
    {
        const std::vector<MetadataEntry> before{{"format", "pt"}};
        const std::vector<MetadataEntry> after{{"format", "pt"}, {"k", "v"}};
        SaveSummaryDialog dialog(before, after, QStringLiteral("m.safetensors"));
        auto* outcome = dialog.findChild<QLabel*>(QStringLiteral("saveOutcome"));
        QVERIFY(outcome);
        QVERIFY(outcome->isHidden()); // nothing to say until told
        std::vector<uint64_t> asked;
        dialog.setOutcome([&asked](uint64_t reserve) {
            asked.push_back(reserve);
            return QStringLiteral("reserve %1").arg(reserve);
        });
        QCOMPARE(dialog.outcomeText(), QStringLiteral("reserve 0"));
        auto* reserve = dialog.findChild<QCheckBox*>();
        QVERIFY(reserve);
        QVERIFY(!reserve->isChecked()); // reserve only when asked
        reserve->setChecked(true);
        QCOMPARE(dialog.outcomeText(), QStringLiteral("reserve 4096"));
        QCOMPARE(dialog.reserveBytes(), uint64_t{4096});
        QCOMPARE(asked, (std::vector<uint64_t>{0, 4096}));
    }

    void valueEditorStoresCompactJson()
    {
        ValueEditorDialog dialog(QStringLiteral("config"), QStringLiteral("{\"a\":1,\"b\":[1,2]}"));
        QVERIFY(dialog.isJsonMode());
        dialog.setText(QStringLiteral("{\n  \"a\": 2,\n  \"b\": [1, 2]\n}"));
        QCOMPARE(dialog.value(), QStringLiteral("{\"a\":2,\"b\":[1,2]}"));
        QString error;
        QVERIFY(ValueEditorDialog::compactJson(QStringLiteral("{\"a\":"), &error).isEmpty());
        QVERIFY(!error.isEmpty());
        ValueEditorDialog plain(QStringLiteral("note"), QStringLiteral("line 1\nline 2"));
        QVERIFY(!plain.isJsonMode());
        QCOMPARE(plain.value(), QStringLiteral("line 1\nline 2"));
    }

    void leftoverRecoveryRecordOffersDiscard()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("rec.safetensors"), R"({"format":"pt"})", 0);
        // An interrupted rewrite leaves a temp file beside the checkpoint.
        const QString temp = dir.filePath(QStringLiteral(".rec.safetensors.safescope-abc123.tmp"));
        QFile file(temp);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("partial");
        file.close();
        if (!inspectRecovery(path).needsAttention())
            QSKIP("the core does not report this temp file name");
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QVERIFY(document->recoveryBanner()->isVisible());
        emit document->recoveryBanner()->discardRequested();
        QTRY_VERIFY_WITH_TIMEOUT(!document->recoveryBanner()->isVisible(), kTimeoutMs);
        QVERIFY(!QFile::exists(temp));
    }

    void exportDialogPreviewsRefusesAndExports()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("src.safetensors"), R"({"format":"pt"})", 0);
        auto model = Model::open(path);
        QVERIFY(model);
        ExportDialog dialog(*model, QStringLiteral("weight"));
        QCOMPARE(dialog.previewTable()->rowCount(), 3);
        dialog.setUseFilter(true);
        QCOMPARE(dialog.previewTable()->rowCount(), 1);
        dialog.setUseFilter(false);
        dialog.setExcludePattern(QStringLiteral("mask"));
        QCOMPARE(dialog.previewTable()->rowCount(), 2);
        // Live rename preview; a collision is refused and names both sources.
        dialog.setRenameRules(QStringLiteral("add:model."));
        QCOMPARE(dialog.previewTable()->item(0, 1)->text(), QStringLiteral("model.a.weight"));
        dialog.setRenameRules(QStringLiteral("s/.*/same/"));
        QVERIFY2(dialog.previewTable()->rowCount() == 0 && dialog.planMessage().contains(QStringLiteral("a.weight")),
                 qPrintable(dialog.planMessage()));
        QVERIFY(!dialog.startExport());
        dialog.setRenameRules(QStringLiteral("s/^/x./"));
        dialog.setTargetDtype(QStringLiteral("BF16"));
        QSignalSpy impact(&dialog, &ExportDialog::impactReady);
        QMetaObject::invokeMethod(&dialog, [&dialog] {
            const auto buttons = dialog.findChildren<QPushButton*>();
            for (QPushButton* button : buttons) {
                if (button->text().contains(QStringLiteral("Impact")))
                    button->click();
            }
        });
        QTRY_COMPARE_WITH_TIMEOUT(impact.count(), 1, kTimeoutMs);
        QVERIFY2(dialog.impactText().contains(QStringLiteral("16 values")), qPrintable(dialog.impactText()));
        // Nothing to write to yet.
        QVERIFY(!dialog.startExport());
        const QString out = dir.filePath(QStringLiteral("out.safetensors"));
        dialog.setOutputPath(out);
        dialog.setDropMetadata(true);
        QSignalSpy finished(&dialog, &ExportDialog::exportFinished);
        QVERIFY(dialog.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        auto exported = Model::open(out, OpenMode::Strict);
        QVERIFY(exported);
        QCOMPARE((*exported)->tensorCount(), size_t(2));
        QVERIFY((*exported)->find("x.a.weight"));
        QCOMPARE(dtypeName((*exported)->tensor(*(*exported)->find("x.a.weight")).dtype), std::string_view("BF16"));
        QVERIFY((*exported)->metadata().empty());
    }

    // Defect 1 of issue 15: an unsaved edit, then `safescope-cli meta FILE --set external=changed`, then Ctrl+S.
    // The window asks first (no summary of its own edits alone), and each answer does what it says.
    void externalChangeIsNeverSilentlyOverwritten_data()
    {
        QTest::addColumn<QString>("diskKey");
        QTest::addColumn<QString>("answer");
        QTest::addColumn<bool>("preferMine");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("conflicts");
        QTest::newRow("reapply") << "external"
                                 << "reapply" << false << "format=pt,name=mine,external=changed,mine=1" << 0;
        QTest::newRow("overwrite") << "external"
                                   << "overwrite" << false << "format=pt,name=mine,mine=1" << 0;
        QTest::newRow("cancel") << "external"
                                << "cancel" << false << "format=pt,name=a,external=changed" << 0;
        QTest::newRow("conflict keeps the disk's value") << "name"
                                                         << "reapply" << false << "format=pt,name=changed,mine=1" << 1;
        QTest::newRow("conflict, mine confirmed") << "name"
                                                  << "reapply" << true << "format=pt,name=mine,mine=1" << 1;
    }

    void externalChangeIsNeverSilentlyOverwritten()
    {
        QFETCH(QString, diskKey);
        QFETCH(QString, answer);
        QFETCH(bool, preferMine);
        QFETCH(QString, expected);
        QFETCH(int, conflicts);
        QTemporaryDir dir;
        const QString path =
            makeCheckpoint(dir, QStringLiteral("meta_edit.safetensors"), R"({"format":"pt","name":"a"})", 64);
        const QByteArray data = dataRegion(path);

        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        QVERIFY(page->editValue(1, QStringLiteral("mine")).isEmpty());
        QVERIFY(page->addKey(QStringLiteral("mine"), QStringLiteral("1")).isEmpty());

        const CliRun cli = runCli({QStringLiteral("meta"), path, QStringLiteral("--set"), diskKey + u"=changed"});
        QVERIFY2(cli.exitCode == 0, cli.err.constData());
        QTRY_VERIFY_WITH_TIMEOUT(document->banner()->isVisible(), kTimeoutMs);
        QVERIFY(document->banner()->text().contains(QStringLiteral("changed on disk")));
        const QByteArray changed = readBytes(path);

        QString seen;
        int conflictRows = -1;
        whenModal(&window, [&](QWidget* modal) {
            auto* dialog = qobject_cast<SaveConflictDialog*>(modal);
            seen = modal ? modal->objectName() : QStringLiteral("none");
            if (!dialog) {
                if (modal)
                    modal->close();
                return;
            }
            conflictRows = dialog->conflictTable()->rowCount();
            dialog->preferMine()->setChecked(preferMine);
            if (answer == QLatin1StringView("reapply"))
                dialog->reapplyButton()->click();
            else if (answer == QLatin1StringView("overwrite"))
                dialog->overwriteButton()->click();
            else
                dialog->reject();
        });
        QSignalSpy saved(document, &DocumentView::saveFinished);
        QAction* save = saveAction(window);
        QVERIFY(save && save->isEnabled());
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keySequence(&window, QKeySequence::Save); // Ctrl+S, through the window's shortcut
        QCOMPARE(seen, QStringLiteral("saveConflictDialog"));
        QCOMPARE(conflictRows, conflicts);
        if (answer == QLatin1StringView("cancel")) {
            QTest::qWait(100);
            QCOMPARE(saved.count(), 0);
            QCOMPARE(readBytes(path), changed);
            QVERIFY(document->isModified());
            return;
        }
        QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QCOMPARE(metadataText(path), expected);
        QCOMPARE(dataRegion(path), data);
        QVERIFY(!document->isModified());
        QVERIFY(document->banner()->isHidden());
    }

    void closePromptNamesTheFileWithoutTheMarker()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("meta_edit.safetensors"), R"({"format":"pt"})", 64);
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        QVERIFY(document->modelView()->metadataPage()->addKey(QStringLiteral("k"), QStringLiteral("v")).isEmpty());
        QVERIFY(document->title().endsWith(u'*'));
        QString text;
        whenModal(&window, [&](QWidget* modal) {
            auto* box = qobject_cast<QMessageBox*>(modal);
            if (!box) {
                if (modal)
                    modal->close();
                return;
            }
            text = box->text();
            box->button(QMessageBox::Cancel)->click();
        });
        QVERIFY(!document->confirmClose());
        QCOMPARE(text, QStringLiteral("The metadata of \u201cmeta_edit.safetensors\u201d has unsaved changes."));
    }

    void addKeyThenCancelAddsNothing()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("add_cancel.safetensors"), R"({"format":"pt"})", 64);
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        document->modelView()->pages()->setCurrentWidget(page);
        QAction* add = nullptr;
        const QList<QAction*> actions = page->findChildren<QAction*>();
        for (QAction* action : actions)
            add = action->text().startsWith(QStringLiteral("&Add Key")) ? action : add;
        QVERIFY(add);

        // Key dialog: type a key and accept; then the value editor: Cancel.
        bool sawEditor = false;
        whenModal(&window, [&](QWidget* keyDialog) {
            QVERIFY(keyDialog);
            keyDialog->findChild<QLineEdit*>()->setText(QStringLiteral("license"));
            whenModal(&window, [&](QWidget* editor) {
                sawEditor = qobject_cast<ValueEditorDialog*>(editor) != nullptr;
                if (editor)
                    qobject_cast<QDialog*>(editor)->reject();
            });
            qobject_cast<QDialog*>(keyDialog)->accept();
        });
        add->trigger();
        QVERIFY(sawEditor);
        QCOMPARE(page->metadataModel()->rowCount(), 1);
        QVERIFY(!document->isModified());

        // The same with Ctrl+Enter in the editor: the key is added with the typed value, in one undo step.
        whenModal(&window, [&](QWidget* keyDialog) {
            keyDialog->findChild<QLineEdit*>()->setText(QStringLiteral("license"));
            whenModal(&window, [&](QWidget* editor) {
                auto* text = editor->findChild<QPlainTextEdit*>(QStringLiteral("valueEditor"));
                text->setPlainText(QStringLiteral("mit"));
                QTest::keyClick(text, Qt::Key_Return, Qt::ControlModifier);
                if (editor->isVisible()) // not accepted: fail below rather than hang
                    qobject_cast<QDialog*>(editor)->reject();
            });
            qobject_cast<QDialog*>(keyDialog)->accept();
        });
        add->trigger();
        QCOMPARE(page->metadataModel()->rowCount(), 2);
        QCOMPARE(page->metadataModel()->value(1), QStringLiteral("mit"));
        QCOMPARE(page->metadataModel()->undoStack()->count(), 1);
    }

    void undoButtonKeepsItsWidth()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("undo_width.safetensors"), R"({"format":"pt"})", 64);
        MainWindow window;
        window.show();
        DocumentView* document = window.openPath(path);
        QTRY_COMPARE_WITH_TIMEOUT(document->state(), DocumentView::State::Ready, kTimeoutMs);
        MetadataPage* page = document->modelView()->metadataPage();
        document->modelView()->pages()->setCurrentWidget(page);
        auto* toolBar = page->findChild<QToolBar*>(QStringLiteral("metadataToolBar"));
        QVERIFY(toolBar);
        QAction* undo = nullptr;
        const QList<QAction*> actions = toolBar->actions();
        for (QAction* action : actions)
            undo = action->text() == QStringLiteral("Undo") ? action : undo;
        QVERIFY(undo);
        QWidget* button = toolBar->widgetForAction(undo);
        QTRY_VERIFY(button->width() > 0);
        const int width = button->sizeHint().width();
        QVERIFY(page->addKey(QStringLiteral("a_rather_long_key_name_for_the_label"), QStringLiteral("v")).isEmpty());
        QCOMPARE(undo->text(), QStringLiteral("Undo"));
        QCOMPARE(button->sizeHint().width(), width);
        QCOMPARE(undo->toolTip(), QStringLiteral("Undo Add key")); // what it undoes moves to the tooltip
    }

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestMetadataEdit)
#include "tst_metadataedit.moc"
