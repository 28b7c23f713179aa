// Lost updates (issue 15, defect 1, core part): a save given the identity of the file it read refuses, with
// FileChanged and nothing written, when the file changed since; saves of one file are serialised by a lock.
#include "core/edit/metadatasaver.h"
#include "core/edit/savelock.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/io/changedigest.h"
#include "core/io/fileidentity.h"
#include "core/io/localpath.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

using Entries = std::vector<MetadataEntry>;

std::string valueOf(const QString& path, const std::string& key)
{
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    if (!file)
        return "<invalid>";
    for (const MetadataEntry& entry : (*file)->header().metadata) {
        if (entry.key == key)
            return entry.value;
    }
    return "<missing>";
}

MetadataEdit setEdit(const std::string& key, const std::string& value)
{
    MetadataEdit edit;
    edit.set.push_back({key, value});
    return edit;
}

} // namespace

class TestFileIdentity final : public QObject
{
    Q_OBJECT

private slots:
    void readDescribesTheFile();
    void anyEditChangesTheIdentity();
    void digestSeesEveryChange();
    void staleIdentityRefusesTheSave_data();
    void staleIdentityRefusesTheSave();
    void freshIdentitySaves();
    void staleShardRefusesEveryShard();
    void lockHeldByAnotherSaveIsWaitedFor();
    void lookingAtLeftoversKeepsSavesOut();
    void fifoIsRefused();
    void concurrentMetaRunsLoseNothing_data();
    void concurrentMetaRunsLoseNothing();

private:
    QTemporaryDir m_dir;
};

void TestFileIdentity::readDescribesTheFile()
{
    const QString path = makeCheckpoint(m_dir, QStringLiteral("id.safetensors"), R"({"format":"pt"})", 64);
    auto identity = FileIdentity::read(path);
    QVERIFY2(identity, qPrintable(identity ? QString() : identity.error().describe()));
    QCOMPARE(identity->size, static_cast<uint64_t>(QFileInfo(path).size()));
    QCOMPARE(identity->headerBytes, 8 + headerLengthOf(path));
    QVERIFY(identity->inode != 0);
    auto again = FileIdentity::read(path);
    QVERIFY(again);
    QVERIFY(identity->sameAs(*again));
    QVERIFY(identity->differenceTo(*again).isEmpty());
}

void TestFileIdentity::anyEditChangesTheIdentity()
{
    const QString path = makeCheckpoint(m_dir, QStringLiteral("edit.safetensors"), R"({"format":"pt"})", 64);
    auto before = FileIdentity::read(path);
    QVERIFY(before);
    // A same-size in-place edit: only the header hash can tell it (mtime may not move within its granularity).
    QVERIFY(saveMetadataEdit(path, setEdit("format", "tf")));
    auto after = FileIdentity::read(path);
    QVERIFY(after);
    QVERIFY(!before->sameAs(*after));
    QVERIFY(before->headerHash != after->headerHash);
    QCOMPARE(before->inode, after->inode);
    QCOMPARE(before->differenceTo(*after), QStringLiteral("its header was rewritten"));
}

// The header digest (changeDigest) against the edits a header meets: every single bit flipped at every offset of
// every length up to 3 x 32 bytes (the four lanes, the tail words), two words swapped, a byte appended (a zero byte
// too: the tail is zero-padded), a byte cut; and the same value on every machine (little-endian words).
void TestFileIdentity::digestSeesEveryChange()
{
    QByteArray bytes(96, '\0');
    for (int i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>(i * 37 + 11);
    QSet<uint64_t> seen;
    for (int length = 0; length <= bytes.size(); ++length) {
        const uint64_t digest = changeDigest(bytes.constData(), static_cast<size_t>(length));
        QVERIFY2(!seen.contains(digest), qPrintable(QStringLiteral("length %1 repeats a digest").arg(length)));
        seen.insert(digest);
        for (int at = 0; at < length; ++at)
            for (int bit = 0; bit < 8; ++bit) {
                QByteArray flipped = bytes.left(length);
                flipped[at] = static_cast<char>(flipped[at] ^ (1 << bit));
                QVERIFY2(changeDigest(flipped.constData(), static_cast<size_t>(length)) != digest,
                         qPrintable(QStringLiteral("length %1, byte %2, bit %3").arg(length).arg(at).arg(bit)));
            }
    }
    QByteArray swapped = bytes;
    std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
    QVERIFY(changeDigest(swapped.constData(), 96) != changeDigest(bytes.constData(), 96));
    const QByteArray withZero = bytes.left(45) + QByteArray(1, '\0');
    QVERIFY(changeDigest(withZero.constData(), 46) != changeDigest(bytes.constData(), 45));
    QCOMPARE(changeDigest("safetensors", 11), changeDigest(QByteArray("safetensors").constData(), 11));
    QCOMPARE(changeDigest("safetensors", 11), Q_UINT64_C(0xA87C62392F182A8C));
}

void TestFileIdentity::staleIdentityRefusesTheSave_data()
{
    QTest::addColumn<bool>("rewrite");
    QTest::newRow("in place") << false;
    QTest::newRow("rewrite") << true;
}

void TestFileIdentity::staleIdentityRefusesTheSave()
{
    QFETCH(bool, rewrite);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("stale.safetensors"), R"({"format":"pt"})", 256);
    auto read = FileIdentity::read(path); // the window opened the file here
    QVERIFY(read);
    // Another program edits the file (as `safescope-cli meta FILE --set external=changed` would).
    QVERIFY(saveMetadataEdit(path, setEdit("external", "changed")));
    const QByteArray onDisk = readBytes(path);

    MetadataSaveOptions options;
    options.expected = *read;
    options.forceRewrite = rewrite;
    auto saved = saveMetadataEdit(path, setEdit("mine", "1"), options);
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::FileChanged);
    QVERIFY2(saved.error().message.contains(QStringLiteral("changed on disk since it was read")),
             qPrintable(saved.error().message));
    QVERIFY(saved.error().message.contains(QStringLiteral("nothing was saved")));
    QCOMPARE(readBytes(path), onDisk);
    QCOMPARE(valueOf(path, "external"), std::string("changed"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), qsizetype{1}); // no temp file left
}

void TestFileIdentity::freshIdentitySaves()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("fresh.safetensors"), R"({"format":"pt"})", 256);
    for (bool rewrite : {false, true}) {
        auto read = FileIdentity::read(path);
        QVERIFY(read);
        MetadataSaveOptions options;
        options.expected = *read;
        options.forceRewrite = rewrite;
        auto saved = saveMetadataEdit(path, setEdit("mine", rewrite ? "2" : "1"), options);
        QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
        QCOMPARE(valueOf(path, "mine"), std::string(rewrite ? "2" : "1"));
    }
}

void TestFileIdentity::staleShardRefusesEveryShard()
{
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir, 128);
    auto model = Model::open(index, OpenMode::Strict);
    QVERIFY(model);
    std::vector<FileIdentity> identities;
    for (const Model::Shard& shard : (*model)->shards()) {
        auto identity = FileIdentity::read(shard.path);
        QVERIFY(identity);
        identities.push_back(*identity);
    }
    const QString second = (*model)->shards()[1].path;
    QVERIFY(saveMetadataEdit(second, setEdit("external", "changed")));
    const QByteArray first = readBytes((*model)->shards()[0].path);

    MetadataSaveOptions options;
    options.expectedShards = identities;
    auto saved = saveMetadataEditAllShards(**model, setEdit("mine", "1"), options);
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::FileChanged);
    QCOMPARE(saved.error().path, second);
    QCOMPARE(readBytes((*model)->shards()[0].path), first); // shard 1 was not written before shard 2 was checked
    QCOMPARE(valueOf(second, "mine"), std::string("<missing>"));

    options.expectedShards.pop_back();
    auto mismatched = saveMetadataEditAllShards(**model, setEdit("mine", "1"), options);
    QVERIFY(!mismatched);
    QCOMPARE(mismatched.error().kind, ErrorKind::InvalidArgument);
}

void TestFileIdentity::lockHeldByAnotherSaveIsWaitedFor()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("locked.safetensors"), R"({"format":"pt"})", 64);
    // Another save holds the lock (its own open file description, as another process would).
    const int other = ::open(encodeLocalPath(path).constData(), O_RDONLY | O_CLOEXEC);
    QVERIFY(other >= 0);
    QCOMPARE(::flock(other, LOCK_EX | LOCK_NB), 0);
    auto blocked = openLockedForSave(path, platform::ReadOnly, nullptr, 0);
    QVERIFY(!blocked);
    QCOMPARE(blocked.error().kind, ErrorKind::IoError);
    QVERIFY2(blocked.error().message.contains(QStringLiteral("being saved by another program")),
             qPrintable(blocked.error().message));
    ::close(other);
    auto free = openLockedForSave(path, platform::ReadOnly, nullptr, 0);
    QVERIFY2(free, qPrintable(free ? QString() : free.error().describe()));
}

void TestFileIdentity::lookingAtLeftoversKeepsSavesOut()
{
    // Leftovers are judged live or interrupted under a shared lock: no save can start (and make a live record look
    // interrupted) or end (and remove a record just read) while they are looked at.
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("guarded.safetensors"), R"({"format":"pt"})", 64);
    {
        SystemFile guard;
        QCOMPARE(lockOutSaves(path, guard), SaveActivity::Idle);
        QVERIFY(guard.isOpen());
        auto save = openLockedForSave(path, platform::ReadWrite, nullptr, 60);
        QVERIFY(!save);
        QVERIFY2(save.error().message.contains(QStringLiteral("being saved by another program")),
                 qPrintable(save.error().message));
    }
    auto save = openLockedForSave(path, platform::ReadWrite, nullptr, 60); // the guard closed: saves go on
    QVERIFY(save);
    SystemFile guard;
    QCOMPARE(lockOutSaves(path, guard), SaveActivity::Running);
    QVERIFY(!guard.isOpen());
    QVERIFY(isLockedBySave(path));
    QCOMPARE(lockOutSaves(dir.filePath(QStringLiteral("gone.safetensors")), guard), SaveActivity::Missing);
}

void TestFileIdentity::fifoIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("f.safetensors"));
    QCOMPARE(::mkfifo(encodeLocalPath(path).constData(), 0600), 0);
    auto identity = FileIdentity::read(path); // must not wait for a writer
    QVERIFY(!identity);
    // The read path's one rule: what is not a regular file is an I/O error that says what it is.
    QCOMPARE(identity.error().kind, ErrorKind::IoError);
    QVERIFY2(identity.error().message.contains(QStringLiteral("FIFO")), qPrintable(identity.error().message));
}

void TestFileIdentity::concurrentMetaRunsLoseNothing_data()
{
    QTest::addColumn<bool>("rewrite");
    QTest::newRow("in place") << false;
    QTest::newRow("rewrite") << true;
}

void TestFileIdentity::concurrentMetaRunsLoseNothing()
{
    // Several `meta --set kI=...` at once on one file: each either saves (and its key is in the final file) or is
    // refused with FileChanged because another changed the file since it read it. None is silently lost.
    QFETCH(bool, rewrite);
    QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("busy.safetensors"), R"({"format":"pt"})", 4096);
    constexpr int kRuns = 6;
    std::vector<std::unique_ptr<QProcess>> runs;
    for (int i = 0; i < kRuns; ++i) {
        auto process = std::make_unique<QProcess>();
        QStringList arguments{QStringLiteral("meta"), path, QStringLiteral("--set"), QStringLiteral("k%1=v").arg(i)};
        if (rewrite)
            arguments << QStringLiteral("--rewrite");
        process->start(qEnvironmentVariable("SAFESCOPE_CLI"), arguments);
        runs.push_back(std::move(process));
    }
    int saved = 0;
    for (int i = 0; i < kRuns; ++i) {
        QProcess& process = *runs[static_cast<size_t>(i)];
        QVERIFY(process.waitForFinished(60000));
        const QByteArray err = process.readAllStandardError();
        if (process.exitCode() == 0) {
            ++saved;
            QVERIFY2(!err.contains("interrupted"), err.constData());
            QCOMPARE(valueOf(path, "k" + std::to_string(i)), std::string("v"));
        } else {
            QVERIFY2(err.contains("FileChanged") && err.contains("changed on disk since it was read") &&
                         err.contains("nothing was saved"),
                     err.constData());
            QVERIFY2(!err.contains("interrupted"), err.constData()); // a live save's files are not leftovers
            QCOMPARE(valueOf(path, "k" + std::to_string(i)), std::string("<missing>"));
        }
    }
    QVERIFY(saved >= 1);
    QCOMPARE(valueOf(path, "format"), std::string("pt"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), qsizetype{1});
    qInfo("%d concurrent meta runs (%s): %d saved, %d refused with FileChanged, 0 lost", kRuns,
          rewrite ? "rewrite" : "in place", saved, kRuns - saved);
}

QTEST_GUILESS_MAIN(TestFileIdentity)
#include "tst_fileidentity.moc"
