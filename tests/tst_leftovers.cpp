// Leftovers of interrupted saves (issue 15, defects 4 and 6): temporary files, recovery records and transaction
// journals are found (also beside names that are not UTF-8), reported with their size and the command that cleans
// them by validate and meta, and the recovery says exactly what it did. Shards whose metadata disagree are reported
// by validate and meta (defect 3).
#include "core/edit/leftovers.h"
#include "core/edit/metadatasaver.h"
#include "core/edit/recoveryrecord.h"
#include "core/edit/shardjournal.h"
#include "core/edit/shardmetadataagreement.h"
#include "core/format/model.h"
#include "core/io/localpath.h"
#include "support/clirun.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

QString qs(const char* text)
{
    return QString::fromUtf8(text);
}

const std::vector<MetadataEntry> kNew{{"format", "pt"}, {"edited", "yes"}};

// A save stopped (as a crash would) right after `step`.
void interruptedSave(const QString& path, SaveStep step, bool rewrite)
{
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    options.hooks.afterStep = [step](SaveStep at) { return at != step; };
    QVERIFY(!saveMetadata(path, kNew, options));
}

MetadataEdit setEdit(const std::string& key, const std::string& value)
{
    MetadataEdit edit;
    edit.set.push_back({key, value});
    return edit;
}

// Messages Qt logs (QRegularExpression complains through qWarning): collected to prove there are none.
QStringList g_messages;
void collect(QtMsgType, const QMessageLogContext&, const QString& message)
{
    g_messages << message;
}

} // namespace

class TestLeftovers final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty()); }
    void tempFileIsReportedWithItsSize();
    void leftoverBesideTheBlobOfALinkIsFound();
    void recoverSaysWhatItDid_data();
    void recoverSaysWhatItDid();
    void namesThatAreNotUtf8();
    void journalIsReported();
    void disagreeingShardsAreReported();
};

void TestLeftovers::tempFileIsReportedWithItsSize()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, qs("m.safetensors"), R"({"format":"pt"})", 0);
    const QByteArray original = readBytes(path);
    interruptedSave(path, SaveStep::TempSynced, true);
    const RecoveryInfo info = inspectRecovery(path);
    QCOMPARE(info.state, RecoveryState::None);
    QCOMPARE(info.tempFiles.size(), qsizetype{1});
    const uint64_t tempSize = static_cast<uint64_t>(QFileInfo(info.tempFiles.front()).size());
    QVERIFY(tempSize > 85);
    QCOMPARE(info.tempFileSizes, std::vector<uint64_t>{tempSize});
    QVERIFY2(info.describe().contains(qs("left 1 temporary file (%1 B)").arg(tempSize)), qPrintable(info.describe()));

    const std::vector<Leftover> found = findLeftovers(path);
    QCOMPARE(found.size(), size_t{1});
    QCOMPARE(found[0].kind, Leftover::Kind::TempFile);
    QCOMPARE(found[0].size, tempSize);
    QVERIFY(found[0].command.contains(qs("--recover discard")));

    CliRun run = runCli({qs("validate"), path});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains("warning: Leftover: temporary file"), run.out.constData());
    QVERIFY(run.out.contains("the model was not changed; clean up with: safescope-cli meta"));
    run = runCli({qs("validate"), path, qs("--json")});
    const auto json = parseJson(run.out);
    QCOMPARE(json["leftovers"].size(), size_t{1});
    QCOMPARE(json["leftovers"][0]["kind"].get<std::string>(), std::string("temp-file"));
    QCOMPARE(json["leftovers"][0]["size"].get<uint64_t>(), tempSize);

    // meta without --recover says what is there; restore must not claim a header was restored.
    run = runCli({qs("meta"), path});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.err.contains("left 1 temporary file"), run.err.constData());
    run = runCli({qs("meta"), path, qs("--recover"), qs("restore")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.err.contains(qPrintable(qs("removed 1 temporary file (%1 B) left by an interrupted rewrite of "
                                            "'m.safetensors'; the model was not changed")
                                             .arg(tempSize))),
             run.err.constData());
    QVERIFY(!run.err.contains("restored"));
    QCOMPARE(readBytes(path), original);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::System), QStringList{qs("m.safetensors")});
}

// A Hugging Face cache folder: the snapshot's file is a symlink into blobs/, and a save writes (and leaves its temp
// file) beside the blob. Found through the link, for the file and for the model that holds it, and nothing is
// reported for a shard whose folder has only other files' leftovers.
void TestLeftovers::leftoverBesideTheBlobOfALinkIsFound()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(qs("blobs")) && QDir(dir.path()).mkpath(qs("snapshots/abc")));
    const QString blob = makeCheckpoint(dir, qs("blobs/0f1e2d"), R"({"format":"pt"})", 0);
    const QString other = makeCheckpoint(dir, qs("blobs/9a8b7c"), R"({"format":"pt"})", 0);
    const QString link = dir.filePath(qs("snapshots/abc/model.safetensors"));
    const QString otherLink = dir.filePath(qs("snapshots/abc/other.safetensors"));
    QVERIFY(QFile::link(qs("../../blobs/0f1e2d"), link));
    QVERIFY(QFile::link(qs("../../blobs/9a8b7c"), otherLink));
    interruptedSave(link, SaveStep::TempSynced, true);
    QStringList temps =
        QDir(dir.filePath(qs("blobs"))).entryList({qs(".0f1e2d.safescope-*.tmp")}, QDir::Hidden | QDir::Files);
    QCOMPARE(temps.size(), qsizetype{1});

    std::vector<Leftover> found = findLeftovers(link);
    QCOMPARE(found.size(), size_t{1});
    QCOMPARE(found[0].kind, Leftover::Kind::TempFile);
    QCOMPARE(QFileInfo(found[0].path).fileName(), temps[0]);
    QVERIFY(findLeftovers(otherLink).empty());

    auto model = Model::open(dir.filePath(qs("snapshots/abc")));
    QVERIFY2(model, model ? "" : qPrintable(model.error().message));
    found = findLeftovers(**model);
    QCOMPARE(found.size(), size_t{1});
    QCOMPARE(QFileInfo(found[0].path).fileName(), temps[0]);
    QCOMPARE(readBytes(other).size(), readBytes(blob).size());
}

void TestLeftovers::recoverSaysWhatItDid_data()
{
    QTest::addColumn<int>("step");
    QTest::addColumn<bool>("restore");
    QTest::addColumn<QString>("said");
    QTest::addColumn<bool>("original");
    QTest::newRow("new header, restore") << int(SaveStep::HeaderWritten) << true
                                         << qs("restored the original header of 'm.safetensors'") << true;
    QTest::newRow("new header, discard") << int(SaveStep::HeaderWritten) << false
                                         << qs("kept the new header of 'm.safetensors' and removed its recovery "
                                               "record; the model was not changed")
                                         << false;
    QTest::newRow("untouched, restore") << int(SaveStep::RecordWritten) << true
                                        << qs("removed the recovery record of 'm.safetensors' (the interrupted save "
                                              "had not changed it); the model was not changed")
                                        << true;
    QTest::newRow("torn, restore") << int(SaveStep::HeaderPartWritten) << true
                                   << qs("restored the original header of 'm.safetensors' from its recovery record "
                                         "(it was half written)")
                                   << true;
}

void TestLeftovers::recoverSaysWhatItDid()
{
    QFETCH(int, step);
    QFETCH(bool, restore);
    QFETCH(QString, said);
    QFETCH(bool, original);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, qs("m.safetensors"), R"({"format":"pt"})", 30);
    const QByteArray before = readBytes(path);
    interruptedSave(path, static_cast<SaveStep>(step), false);
    const std::vector<Leftover> found = findLeftovers(path);
    QCOMPARE(found.size(), size_t{1});
    QCOMPARE(found[0].kind, Leftover::Kind::RecoveryRecord);
    QCOMPARE(found[0].size, static_cast<uint64_t>(QFileInfo(recoveryRecordPath(path)).size()));
    auto done = resolveRecovery(path, restore ? RecoveryAction::Restore : RecoveryAction::Discard);
    QVERIFY2(done, qPrintable(done ? QString() : done.error().describe()));
    QVERIFY2(done->contains(said), qPrintable(*done));
    QCOMPARE(readBytes(path) == before, original);
    QVERIFY(findLeftovers(path).empty());
}

void TestLeftovers::namesThatAreNotUtf8()
{
    // "caf\xE9[1].safetensors": Latin-1 and a '[' (a wildcard class opener): the old QDir name filter logged
    // "invalid QRegularExpression" and found nothing, so --recover did nothing.
    QTemporaryDir dir;
    const QString made = makeCheckpoint(dir, qs("made.safetensors"), R"({"format":"pt"})", 30);
    const QString path = decodeLocalPath(encodeLocalPath(dir.path()) + "/caf\xe9[1].safetensors");
    QCOMPARE(::rename(encodeLocalPath(made).constData(), encodeLocalPath(path).constData()), 0);
    const QByteArray before = readBytes(path);
    interruptedSave(path, SaveStep::HeaderWritten, false); // leaves a record
    MetadataSaveOptions rewrite;
    rewrite.forceRewrite = true;
    rewrite.hooks.afterStep = [](SaveStep at) { return at != SaveStep::TempSynced; };
    QVERIFY(!saveMetadata(path, kNew, rewrite)); // stopped once its temp file is synced: the temp stays
    g_messages.clear();
    const QtMessageHandler previous = qInstallMessageHandler(collect);
    const QStringList files = modelFilesWithoutParsing(dir.path());
    const RecoveryInfo info = inspectRecovery(path);
    const std::vector<Leftover> found = findLeftovers(dir.path());
    qInstallMessageHandler(previous);
    QVERIFY2(g_messages.isEmpty(), qPrintable(g_messages.join(qs("\n"))));
    QCOMPARE(files, QStringList{path});
    QCOMPARE(encodeLocalPath(files.front()), encodeLocalPath(dir.path()) + "/caf\xe9[1].safetensors");
    QCOMPARE(info.state, RecoveryState::NewHeaderIntact);
    QCOMPARE(info.tempFiles.size(), qsizetype{1});
    const QByteArray tempName = encodeLocalPath(info.tempFiles.front());
    QVERIFY2(tempName.startsWith(QByteArray(encodeLocalPath(dir.path()) + "/.caf\xe9[1].safetensors.safescope-")),
             tempName.constData());
    QVERIFY(tempName.endsWith(".tmp"));
    QCOMPARE(info.tempFileSizes.size(), size_t{1});
    QVERIFY(info.tempFileSizes.front() > 85);
    QCOMPARE(found.size(), size_t{2});

    // The CLI on the folder (an ASCII path; the scan inside it reads the names as bytes).
    const CliRun run = runCli({qs("meta"), dir.path(), qs("--recover"), qs("restore")});
    QVERIFY2(!run.err.contains("QRegularExpression"), run.err.constData());
    QVERIFY2(run.err.contains("restored the original header of 'caf"), run.err.constData());
    QVERIFY(run.err.contains(qPrintable(qs("removed 1 temporary file (%1 B)").arg(info.tempFileSizes.front()))));
    QCOMPARE(readBytes(path), before);
    QVERIFY(findLeftovers(dir.path()).empty());
    ::unlink(encodeLocalPath(path).constData()); // QTemporaryDir removes by lossily decoded names
}

void TestLeftovers::journalIsReported()
{
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir, 64);
    auto model = Model::open(index, OpenMode::Strict);
    QVERIFY(model);
    MetadataEdit edit;
    edit.set.push_back({"k", "3"});
    MetadataSaveOptions options;
    options.hooks.afterStep = [](SaveStep at) { return at != SaveStep::ShardCommitted; }; // after shard 1
    QVERIFY(!saveMetadataEditAllShards(**model, edit, options));
    auto reopened = Model::open(index, OpenMode::Strict);
    QVERIFY(reopened);
    const std::vector<Leftover> found = findLeftovers(**reopened);
    QCOMPARE(found.size(), size_t{1});
    QCOMPARE(found[0].kind, Leftover::Kind::TransactionJournal);
    QVERIFY(found[0].size > 0);
    // "shard" differs by design of the fixture; "k" is "3" in shard 1 and missing in shard 2.
    QCOMPARE(shardMetadataDifferences(**reopened).size(), size_t{2});

    CliRun run = runCli({qs("validate"), index});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains("warning: Leftover: transaction journal"), run.out.constData());
    QVERIFY(run.out.contains("warning: ShardMetadataDiffers: metadata key 'k'"));
    run = runCli({qs("meta"), index});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.err.contains("completed an interrupted edit of 2 shards: 1 shard(s) had the new metadata, 1 more "
                              "got it now"),
             run.err.constData());
    QCOMPARE(run.out, QByteArray("format = pt\nshard = (differs between shards)\n"
                                 "    model-00001-of-00002.safetensors: 1\n"
                                 "    model-00002-of-00002.safetensors: 2\nk = 3\n"));
    run = runCli({qs("validate"), index, qs("--json")});
    const auto json = parseJson(run.out);
    QCOMPARE(json["leftovers"].size(), size_t{0});
    QCOMPARE(json["metadata_disagreements"].size(), size_t{1}); // "shard" only: "k" agrees again
}

void TestLeftovers::disagreeingShardsAreReported()
{
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir, 64);
    QVERIFY(saveMetadataEdit(dir.filePath(qs("model-00001-of-00002.safetensors")), setEdit("k", "3")));
    QVERIFY(saveMetadataEdit(dir.filePath(qs("model-00002-of-00002.safetensors")), setEdit("k", "2")));
    CliRun run = runCli({qs("meta"), index, qs("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    bool sawK = false;
    for (const auto& item : json["disagreements"]) {
        if (item["key"] == "k") {
            sawK = true;
            QCOMPARE(item["values"]["model-00001-of-00002.safetensors"].get<std::string>(), std::string("3"));
            QCOMPARE(item["values"]["model-00002-of-00002.safetensors"].get<std::string>(), std::string("2"));
        }
    }
    QVERIFY(sawK);
    run = runCli({qs("validate"), index});
    QCOMPARE(run.exitCode, 0); // a warning, not an invalid checkpoint
    QVERIFY2(run.out.contains("metadata key 'k' differs between the 2 shards: \"3\" in "
                              "model-00001-of-00002.safetensors; \"2\" in model-00002-of-00002.safetensors"),
             run.out.constData());
}

QTEST_GUILESS_MAIN(TestLeftovers)
#include "tst_leftovers.moc"
