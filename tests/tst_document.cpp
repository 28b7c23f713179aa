// Document without widgets: a save never overwrites a file that changed since it was read unless asked to.
#include "core/edit/metadatasaver.h"
#include "core/format/model.h"
#include "core/text/textutil.h"
#include "support/editfixtures.h"
#include "ui/models/document.h"
#include "ui/models/metadatamodel.h"
#include "ui/models/metadatasavejob.h"

#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

QString metadataOf(const QString& path)
{
    auto model = Model::open(path, OpenMode::Strict);
    if (!model)
        return QStringLiteral("<error> ") + model.error().describe();
    QStringList pairs;
    for (const MetadataEntry& entry : (*model)->metadata())
        pairs.append(QString::fromStdString(entry.key) + u'=' + QString::fromStdString(entry.value));
    return pairs.join(u',');
}

std::shared_ptr<const Model> open(const QString& path)
{
    auto model = Model::open(path, OpenMode::Strict);
    return model ? *model : nullptr;
}

// What `safescope-cli meta FILE --set key=value` does: core's save of an edit of the metadata on disk now.
bool changeOnDisk(const QString& path, const std::string& key, const std::string& value)
{
    MetadataEdit edit;
    edit.set.push_back({key, value});
    return saveMetadataEdit(path, edit).ok();
}

bool waitForSave(Document& document, QSignalSpy& finished)
{
    if (!finished.wait(kTimeoutMs) && finished.isEmpty())
        return false;
    return !document.isSaving();
}

} // namespace

class TestDocument final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { qRegisterMetaType<MetadataSaveOutcome>(); }

    void unchangedFileSavesAtOnce()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        Document document(path);
        document.setModel(open(path));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("mine"), QStringLiteral("1")).isEmpty());
        QVERIFY(document.isModified());
        QSignalSpy conflicts(&document, &Document::conflictDetected);
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(!document.checkDisk());
        QVERIFY(document.save());
        QVERIFY(waitForSave(document, finished));
        QVERIFY(finished.first().first().value<MetadataSaveOutcome>().ok);
        QCOMPARE(conflicts.count(), 0);
        QCOMPARE(metadataOf(path), QStringLiteral("format=pt,mine=1"));
    }

    void saveDescriptionIsWhatTheSaveDoes()
    {
        // The save summary says what will happen to the file before it happens (issue 16, defect 2).
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 0);
        Document document(path);
        document.setModel(open(path));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("small"), QStringLiteral("1")).isEmpty());
        const QString fits = document.describeSave(0, false);
        QVERIFY2(fits.startsWith(QStringLiteral("rewritten: ")), qPrintable(fits)); // no room: padding was 0
        QVERIFY2(document.describeSave(4096, false).contains(QStringLiteral("4,096 reserved")),
                 qPrintable(document.describeSave(4096, false)));
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.save());
        QVERIFY(waitForSave(document, finished));
        const QString size = QString::fromStdString(groupDigits(static_cast<uint64_t>(QFileInfo(path).size())));
        QVERIFY2(fits.contains(QStringLiteral("-> %1 bytes").arg(size)), qPrintable(fits + u" / " + size));
    }

    void changedFileIsNotWrittenUnasked()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        Document document(path);
        document.setModel(open(path));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("mine"), QStringLiteral("1")).isEmpty());
        QVERIFY(changeOnDisk(path, "external", "changed"));
        const QByteArray before = fileSha256(path);

        QSignalSpy conflicts(&document, &Document::conflictDetected);
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(!document.save()); // Checked: refused, nothing started
        QCOMPARE(conflicts.count(), 1);
        const auto conflict = conflicts.first().first().value<SaveConflict>();
        QCOMPARE(conflict.changedFiles, QStringList{QDir::cleanPath(path)});
        QVERIFY(conflict.conflicts.empty());
        QCOMPARE(conflict.changedOnDisk, std::vector<std::string>{"external"});
        QVERIFY(conflict.canReapply);
        QVERIFY(conflict.canOverwrite);
        QVERIFY(document.isChangedOnDisk());
        QVERIFY(!document.isSaving());
        QCOMPARE(finished.count(), 0);
        QCOMPARE(fileSha256(path), before);
        QCOMPARE(metadataOf(path), QStringLiteral("format=pt,external=changed"));
        QVERIFY(document.isModified()); // the edits are kept for the user's choice
    }

    void reapplyKeepsTheDisksKeyAndAddsMine()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        Document document(path);
        document.setModel(open(path));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("mine"), QStringLiteral("1")).isEmpty());
        QVERIFY(changeOnDisk(path, "external", "changed"));
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.save(Document::SaveChoice::Reapply));
        QVERIFY(waitForSave(document, finished));
        QVERIFY(finished.first().first().value<MetadataSaveOutcome>().ok);
        QCOMPARE(metadataOf(path), QStringLiteral("format=pt,external=changed,mine=1"));
    }

    void overwriteWritesTheUsersMetadata()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        Document document(path);
        document.setModel(open(path));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("mine"), QStringLiteral("1")).isEmpty());
        QVERIFY(changeOnDisk(path, "external", "changed"));
        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.save(Document::SaveChoice::Overwrite));
        QVERIFY(waitForSave(document, finished));
        QCOMPARE(metadataOf(path), QStringLiteral("format=pt,mine=1"));
    }

    void conflictingKeyKeepsTheDisksValueUnlessConfirmed_data()
    {
        QTest::addColumn<int>("choice");
        QTest::addColumn<QString>("expected");
        QTest::newRow("reapply") << int(Document::SaveChoice::Reapply) << QStringLiteral("format=pt,name=theirs");
        QTest::newRow("reapply, mine confirmed")
            << int(Document::SaveChoice::ReapplyMine) << QStringLiteral("format=pt,name=mine");
    }

    void conflictingKeyKeepsTheDisksValueUnlessConfirmed()
    {
        QFETCH(int, choice);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt","name":"a"})", 64);
        Document document(path);
        document.setModel(open(path));
        QVERIFY(document.metadataModel()->setValue(1, QStringLiteral("mine")).isEmpty());
        QVERIFY(changeOnDisk(path, "name", "theirs"));

        const auto conflict = document.checkDisk();
        QVERIFY(conflict);
        QCOMPARE(conflict->conflicts.size(), size_t(1));
        QCOMPARE(conflict->conflicts[0].key, std::string("name"));
        QCOMPARE(conflict->conflicts[0].base, std::optional<std::string>("a"));
        QCOMPARE(conflict->conflicts[0].mine, std::optional<std::string>("mine"));
        QCOMPARE(conflict->conflicts[0].theirs, std::optional<std::string>("theirs"));

        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(document.save(static_cast<Document::SaveChoice>(choice)));
        QVERIFY(waitForSave(document, finished));
        QCOMPARE(metadataOf(path), expected);
    }

    void changeBetweenDecisionAndWriteIsRefused()
    {
        // Core re-checks the identity the decision was made against, under the save's lock, right before writing.
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        MetadataSaveRequest request;
        request.model = open(path);
        request.before = {{"format", "pt"}};
        request.after = {{"format", "pt"}, {"mine", "1"}};
        auto stale = FileIdentity::read(path);
        QVERIFY(stale);
        stale->headerHash ^= 1; // as if read before another program's write
        request.expected = *stale;
        const QByteArray before = fileSha256(path);
        std::atomic_bool cancel = false;
        const MetadataSaveOutcome outcome = MetadataSaveJob::run(request, cancel, [](double) {});
        QVERIFY(!outcome.ok);
        QVERIFY(outcome.changedOnDisk);
        QVERIFY2(outcome.message.contains(QStringLiteral("FileChanged")), qPrintable(outcome.message));
        QCOMPARE(fileSha256(path), before);
    }

    void watcherReportsAnExternalChange()
    {
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        Document document(path);
        document.setModel(open(path));
        QSignalSpy changed(&document, &Document::changedOnDisk);
        QVERIFY(changeOnDisk(path, "external", "changed"));
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 1, kTimeoutMs);
        QCOMPARE(changed.first().first().toString(), path);
        QVERIFY(document.isChangedOnDisk());
    }

    void identityIsTheOneTheHeaderWasParsedFrom()
    {
        // The base of a save is the identity taken with the header the model shows: an untouched file matches it,
        // a change made any time after the parse counts as a change.
        QTemporaryDir dir;
        const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 64);
        const auto model = open(path);
        QVERIFY(model);
        auto now = FileIdentity::read(path);
        QVERIFY(now);
        QVERIFY(model->shards()[0].file->identity().sameAs(*now));
        Document document(path);
        document.setModel(model);
        QVERIFY(!document.checkDisk());
        QVERIFY(changeOnDisk(path, "external", "changed"));
        QVERIFY(document.checkDisk());
    }

    void shardedChangeOfAnyShardCounts()
    {
        QTemporaryDir dir;
        const QString index = writeTwoShardModel(dir, 256);
        const auto model = open(index);
        QVERIFY(model);
        QCOMPARE(model->shards().size(), size_t(2));
        const QString shard1 = model->shards()[0].path;
        const QString shard2 = model->shards()[1].path;
        Document document(index);
        document.setModel(model);
        QCOMPARE(document.shardScope(), -1);
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("mine"), QStringLiteral("1")).isEmpty());
        QVERIFY(changeOnDisk(shard2, "external", "changed"));

        QSignalSpy conflicts(&document, &Document::conflictDetected);
        QVERIFY(!document.save());
        QCOMPARE(conflicts.count(), 1);
        const auto conflict = conflicts.first().first().value<SaveConflict>();
        QCOMPARE(conflict.changedFiles, QStringList{shard2});
        QVERIFY(!conflict.canOverwrite); // each shard's metadata is its own in "All shards"
        QCOMPARE(metadataOf(shard1), QStringLiteral("format=pt,shard=1"));

        QSignalSpy finished(&document, &Document::saveFinished);
        QVERIFY(!document.save(Document::SaveChoice::Overwrite));
        QVERIFY(document.save(Document::SaveChoice::Reapply));
        QVERIFY(waitForSave(document, finished));
        QVERIFY2(finished.first().first().value<MetadataSaveOutcome>().ok,
                 qPrintable(finished.first().first().value<MetadataSaveOutcome>().message));
        QCOMPARE(metadataOf(shard1), QStringLiteral("format=pt,shard=1,mine=1"));
        QCOMPARE(metadataOf(shard2), QStringLiteral("format=pt,shard=2,external=changed,mine=1"));
    }

    void scopeIsOwnedByTheDocument()
    {
        QTemporaryDir dir;
        const QString index = writeTwoShardModel(dir, 256);
        Document document(index);
        document.setModel(open(index));
        QSignalSpy scope(&document, &Document::scopeChanged);
        QVERIFY(document.setShardScope(1));
        QCOMPARE(scope.count(), 1);
        QCOMPARE(document.metadataModel()->value(1), QStringLiteral("2"));
        QVERIFY(document.metadataModel()->addKey(QStringLiteral("k"), QStringLiteral("v")).isEmpty());
        QVERIFY(!document.setShardScope(0)); // unsaved edits would be lost or land elsewhere
        QCOMPARE(document.editedFileName(), QFileInfo(document.model()->shards()[1].path).fileName());
    }
};

QTEST_GUILESS_MAIN(TestDocument)
#include "tst_document.moc"
