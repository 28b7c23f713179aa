// The metadata editor in the real window: edit, undo/redo, save in place and by rewrite, refusals, failures.
#include "core/dtype.h"
#include "core/model.h"
#include "core/recoveryrecord.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "ui/changedbanner.h"
#include "ui/documentview.h"
#include "ui/exportdialog.h"
#include "ui/mainwindow.h"
#include "ui/metadatapage.h"
#include "ui/models/metadatamodel.h"
#include "ui/modelview.h"
#include "ui/recoverybanner.h"
#include "ui/valueeditordialog.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

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
        QCOMPARE(model->value(1), QStringLiteral("1"));
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

private:
    QTemporaryDir m_settings;
};

QTEST_MAIN(TestMetadataEdit)
#include "tst_metadataedit.moc"
