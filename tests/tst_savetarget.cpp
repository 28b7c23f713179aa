// Symbolic links and the Hugging Face cache (issue 15, defect 2): a save over a link edits the file the link names
// and keeps the link, in place and by rewrite, through chains and relative targets; a file of the Hugging Face hub
// cache (a blob named by its hash) is never edited, and Save As from it works.
#include "core/edit/metadatasaver.h"
#include "core/format/safetensorsfile.h"
#include "core/edit/savetarget.h"
#include "support/clirun.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

QString qs(const char* text)
{
    return QString::fromUtf8(text);
}

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

// A Hugging Face hub cache: models--OWNER--NAME/blobs/<sha256> and snapshots/REV/model.safetensors linking to it
// with a relative target. Returns the snapshot path.
QString makeHubCache(const QTemporaryDir& dir, const QString& blobName)
{
    const QString repo = dir.filePath(qs("hub/models--owner--name"));
    QDir().mkpath(repo + qs("/blobs"));
    QDir().mkpath(repo + qs("/snapshots/0123abcd"));
    const QString made = makeCheckpoint(dir, qs("made.safetensors"), R"({"format":"pt"})", 64);
    QFile::rename(made, repo + qs("/blobs/") + blobName);
    const QString snapshot = repo + qs("/snapshots/0123abcd/model.safetensors");
    QFile::link(qs("../../blobs/") + blobName, snapshot);
    return snapshot;
}

const QString kSha = qs("3b8c1f7e0d2a4c6b8e9f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f");

} // namespace

class TestSaveTarget final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty()); }
    void linkIsFollowedAndKept_data();
    void linkIsFollowedAndKept();
    void chainOfRelativeLinks();
    void cliRewriteThroughLink();
    void linkLoopIsAnError();
    void hubBlobIsRecognised();
    void hubBlobIsNeverEdited_data();
    void hubBlobIsNeverEdited();
    void hubBlobSaveAsWorks();
    void cliRefusesHubBlob();
};

void TestSaveTarget::linkIsFollowedAndKept_data()
{
    QTest::addColumn<bool>("rewrite");
    QTest::newRow("in place") << false;
    QTest::newRow("rewrite") << true;
}

void TestSaveTarget::linkIsFollowedAndKept()
{
    QFETCH(bool, rewrite);
    QTemporaryDir dir;
    const QString target = makeCheckpoint(dir, qs("t.safetensors"), R"({"format":"pt"})", 64);
    const QString link = dir.filePath(qs("l.safetensors"));
    QVERIFY(QFile::link(qs("t.safetensors"), link));
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    options.reserveBytes = rewrite ? 4096 : 0;
    auto saved = saveMetadataEdit(link, setEdit("k", "v"), options);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, rewrite ? SaveMethod::Rewrite : SaveMethod::InPlace);
    QVERIFY(QFileInfo(link).isSymLink());
    QCOMPARE(QFileInfo(link).symLinkTarget(), QFileInfo(target).absoluteFilePath());
    QCOMPARE(valueOf(target, "k"), std::string("v"));
    QCOMPARE(valueOf(link, "k"), std::string("v"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::System).size(), qsizetype{2});
}

void TestSaveTarget::chainOfRelativeLinks()
{
    // l1 -> sub/l2 -> ../real/t.safetensors: each relative target is resolved against its own link's folder.
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(qs("real")));
    QVERIFY(QDir(dir.path()).mkpath(qs("sub")));
    const QString target = makeCheckpoint(dir, qs("real/t.safetensors"), R"({"format":"pt"})", 0);
    QVERIFY(QFile::link(qs("../real/t.safetensors"), dir.filePath(qs("sub/l2.safetensors"))));
    QVERIFY(QFile::link(qs("sub/l2.safetensors"), dir.filePath(qs("l1.safetensors"))));
    auto resolved = resolveSaveTarget(dir.filePath(qs("l1.safetensors")));
    QVERIFY(resolved);
    QCOMPARE(QFileInfo(*resolved).canonicalFilePath(), QFileInfo(target).canonicalFilePath());
    auto saved = saveMetadataEdit(dir.filePath(qs("l1.safetensors")), setEdit("k", std::string(300, 'x')));
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, SaveMethod::Rewrite); // 300 bytes do not fit: the target is replaced
    QVERIFY(QFileInfo(dir.filePath(qs("l1.safetensors"))).isSymLink());
    QVERIFY(QFileInfo(dir.filePath(qs("sub/l2.safetensors"))).isSymLink());
    QCOMPARE(valueOf(target, "k"), std::string(300, 'x'));
    QVERIFY(QDir(dir.filePath(qs("sub"))).entryList(QDir::Files | QDir::Hidden | QDir::System).size() == 1);
    QVERIFY(QDir(dir.filePath(qs("real"))).entryList(QDir::Files | QDir::Hidden | QDir::System).size() == 1);
}

void TestSaveTarget::cliRewriteThroughLink()
{
    // The issue's reproduction: `meta l.safetensors --set k=v --reserve 4096` used to make the link a regular file.
    QTemporaryDir dir;
    const QString target = makeCheckpoint(dir, qs("t.safetensors"), R"({"format":"pt"})", 0);
    const QString link = dir.filePath(qs("l.safetensors"));
    QVERIFY(QFile::link(qs("t.safetensors"), link));
    const CliRun run = runCli({qs("meta"), link, qs("--set"), qs("k=v"), qs("--reserve"), qs("4096")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY(QFileInfo(link).isSymLink());
    QCOMPARE(valueOf(target, "k"), std::string("v"));
    QVERIFY(headerLengthOf(target) >= 4096);
}

void TestSaveTarget::linkLoopIsAnError()
{
    QTemporaryDir dir;
    QVERIFY(QFile::link(qs("b.safetensors"), dir.filePath(qs("a.safetensors"))));
    QVERIFY(QFile::link(qs("a.safetensors"), dir.filePath(qs("b.safetensors"))));
    auto saved = saveMetadataEdit(dir.filePath(qs("a.safetensors")), setEdit("k", "v"));
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::IoError);
    QVERIFY2(saved.error().message.contains(qs("loop")), qPrintable(saved.error().message));
}

void TestSaveTarget::hubBlobIsRecognised()
{
    QTemporaryDir dir;
    const QString snapshot = makeHubCache(dir, kSha);
    QCOMPARE(huggingFaceBlobHash(snapshot), std::optional<QString>(kSha));
    QCOMPARE(huggingFaceBlobHash(dir.filePath(qs("hub/models--owner--name/blobs/")) + kSha),
             std::optional<QString>(kSha));
    // Not a cache: a folder merely named "blobs", a name that is not a hash.
    QVERIFY(QDir(dir.path()).mkpath(qs("x/blobs")));
    const QString plain = makeCheckpoint(dir, qs("x/blobs/") + kSha, R"({"format":"pt"})", 0);
    QCOMPARE(huggingFaceBlobHash(plain), std::nullopt);
    QVERIFY(QDir(dir.path()).mkpath(qs("models--a--b/blobs")));
    const QString named = makeCheckpoint(dir, qs("models--a--b/blobs/model.safetensors"), R"({"format":"pt"})", 0);
    QCOMPARE(huggingFaceBlobHash(named), std::nullopt);
}

void TestSaveTarget::hubBlobIsNeverEdited_data()
{
    QTest::addColumn<bool>("rewrite");
    QTest::addColumn<bool>("viaSnapshot");
    QTest::newRow("in place via snapshot") << false << true;
    QTest::newRow("rewrite via snapshot") << true << true;
    QTest::newRow("in place, blob path") << false << false;
    QTest::newRow("rewrite, blob path") << true << false;
}

void TestSaveTarget::hubBlobIsNeverEdited()
{
    QFETCH(bool, rewrite);
    QFETCH(bool, viaSnapshot);
    QTemporaryDir dir;
    const QString snapshot = makeHubCache(dir, kSha);
    const QString blob = dir.filePath(qs("hub/models--owner--name/blobs/")) + kSha;
    const QByteArray before = readBytes(blob);
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    auto saved = saveMetadataEdit(viaSnapshot ? snapshot : blob, setEdit("k", "v"), options);
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(saved.error().message.contains(qs("is a file of the Hugging Face cache (blob 3b8c1f7e0d2a")),
             qPrintable(saved.error().message));
    QVERIFY(saved.error().message.contains(qs("use Save As / meta -o to write a copy")));
    QCOMPARE(readBytes(blob), before);
    QVERIFY(QFileInfo(snapshot).isSymLink());
    QCOMPARE(QDir(QFileInfo(blob).absolutePath()).entryList(QDir::Files | QDir::Hidden | QDir::System).size(),
             qsizetype{1});
}

void TestSaveTarget::hubBlobSaveAsWorks()
{
    QTemporaryDir dir;
    const QString snapshot = makeHubCache(dir, kSha);
    const QByteArray before = readBytes(snapshot);
    MetadataSaveOptions options;
    options.outputPath = dir.filePath(qs("copy.safetensors"));
    auto saved = saveMetadataEdit(snapshot, setEdit("k", "v"), options);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(valueOf(options.outputPath, "k"), std::string("v"));
    QCOMPARE(readBytes(snapshot), before);
}

void TestSaveTarget::cliRefusesHubBlob()
{
    QTemporaryDir dir;
    const QString snapshot = makeHubCache(dir, kSha);
    const QByteArray before = readBytes(snapshot);
    CliRun run = runCli({qs("meta"), snapshot, qs("--set"), qs("k=v")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("is a file of the Hugging Face cache"), run.err.constData());
    QCOMPARE(readBytes(snapshot), before);
    run = runCli({qs("meta"), snapshot, qs("--set"), qs("k=v"), qs("-o"), dir.filePath(qs("out.safetensors"))});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(valueOf(dir.filePath(qs("out.safetensors")), "k"), std::string("v"));
}

QTEST_GUILESS_MAIN(TestSaveTarget)
#include "tst_savetarget.moc"
