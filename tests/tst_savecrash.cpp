// Crash safety of metadata saves (issue 5): a save stopped after each durable step, in process through the step
// seam and in a real safescope-cli process that dies with _exit at that step, must leave the old file or the new
// valid file (after the recovery a later open offers), with the data region byte-identical throughout.
#include "core/edit/crc64.h"
#include "core/edit/metadatasaver.h"
#include "core/edit/recoveryrecord.h"
#include "core/format/safetensorsfile.h"
#include "support/editfixtures.h"

#include <QCryptographicHash>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <sys/stat.h>

using namespace safescope;
using namespace safescope::test;

namespace {

const std::vector<MetadataEntry> kNew{{"format", "pt"}, {"edited", "yes"}};

bool hasNewMetadata(const QString& path)
{
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    if (!file)
        return false;
    const auto& metadata = (*file)->header().metadata;
    return metadata.size() == 2 && metadata[1].key == "edited" && metadata[1].value == "yes";
}

QStringList filesIn(const QTemporaryDir& dir)
{
    return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

struct CrashCase
{
    QString step;
    bool rewrite = false;
    bool expectOld = true; // the file as the crash left it
    RecoveryState state = RecoveryState::None;
    int tempFiles = 0;
};

void addRows()
{
    QTest::addColumn<QString>("step");
    QTest::addColumn<bool>("rewrite");
    QTest::addColumn<int>("expect"); // 0: old bytes, 1: new valid file, 2: torn header
    QTest::addColumn<int>("state");
    QTest::addColumn<int>("tempFiles");
    QTest::newRow("in-place, record written")
        << QStringLiteral("record-written") << false << 0 << int(RecoveryState::OriginalIntact) << 0;
    QTest::newRow("in-place, header half written")
        << QStringLiteral("header-part-written") << false << 2 << int(RecoveryState::HeaderTorn) << 0;
    QTest::newRow("in-place, header written")
        << QStringLiteral("header-written") << false << 1 << int(RecoveryState::NewHeaderIntact) << 0;
    QTest::newRow("in-place, record removed")
        << QStringLiteral("record-removed") << false << 1 << int(RecoveryState::None) << 0;
    QTest::newRow("rewrite, temp header")
        << QStringLiteral("temp-header-written") << true << 0 << int(RecoveryState::None) << 1;
    QTest::newRow("rewrite, data part") << QStringLiteral("temp-data-part-copied") << true << 0
                                        << int(RecoveryState::None) << 1;
    QTest::newRow("rewrite, temp synced")
        << QStringLiteral("temp-synced") << true << 0 << int(RecoveryState::None) << 1;
    QTest::newRow("rewrite, renamed") << QStringLiteral("renamed") << true << 1 << int(RecoveryState::None) << 0;
}

} // namespace

class TestSaveCrash final : public QObject
{
    Q_OBJECT

private slots:
    void crashInProcess_data() { addRows(); }
    void crashInProcess();
    void killedProcess_data() { addRows(); }
    void killedProcess();
    void shippingCliIgnoresTestSeams();
    void tornRecordIsDiscarded();
    void corruptRecordIsUnreadable();
    void replacedFileIsNotRestored();
    void formatOneRecordIsStillRead();
    void recordChecksum();

private:
    // Checks what the crash left and that recovery gives the old file (restore) or keeps a valid one (discard).
    void checkAfterCrash(const QTemporaryDir& dir, const QString& path, const QByteArray& original, bool viaCli);
};

void TestSaveCrash::checkAfterCrash(const QTemporaryDir& dir, const QString& path, const QByteArray& original,
                                    bool viaCli)
{
    QFETCH(int, expect);
    QFETCH(int, state);
    QFETCH(int, tempFiles);
    // 30 spaces of padding: the new header fits in place, and its first half ends inside the JSON text, so a crash
    // between the two halves leaves a header that is neither old nor new.
    const QByteArray originalData =
        original.mid(static_cast<qsizetype>(8 + qFromLittleEndian<quint64>(original.constData())));
    const QByteArray now = readBytes(path);
    QCOMPARE(now.size(), original.size() + (expect == 1 ? now.size() - original.size() : 0));
    QCOMPARE(sha256Of(dataRegion(path)), sha256Of(originalData));
    if (expect == 0)
        QCOMPARE(now, original);
    if (expect == 1)
        QVERIFY(hasNewMetadata(path));
    if (expect == 2)
        QVERIFY(now != original && !hasNewMetadata(path));

    const RecoveryInfo info = inspectRecovery(path);
    QCOMPARE(int(info.state), state);
    QCOMPARE(info.tempFiles.size(), tempFiles);

    if (viaCli) {
        QProcess cli;
        cli.start(qEnvironmentVariable("SAFESCOPE_CLI"),
                  {QStringLiteral("meta"), path, QStringLiteral("--recover"), QStringLiteral("restore")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
    } else {
        if (info.state == RecoveryState::HeaderTorn)
            QVERIFY(!discardRecovery(path)); // would leave an invalid file
        QVERIFY(restoreRecovery(path));
    }
    // After recovery: the old file exactly (unless the crash came after the point of no return), no leftovers.
    if (expect == 1 && info.state == RecoveryState::None)
        QVERIFY(hasNewMetadata(path));
    else
        QCOMPARE(readBytes(path), original);
    QCOMPARE(filesIn(dir), QStringList{QStringLiteral("m.safetensors")});
    QVERIFY(SafetensorsFile::open(path, OpenMode::Strict));
}

void TestSaveCrash::crashInProcess()
{
    QFETCH(QString, step);
    QFETCH(bool, rewrite);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 30);
    const QByteArray original = readBytes(path);
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    bool reached = false;
    options.hooks.afterStep = [&](SaveStep at) {
        if (step != QLatin1StringView(saveStepName(at)))
            return true;
        reached = true;
        return false;
    };
    auto saved = saveMetadata(path, kNew, options);
    QVERIFY(reached);
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::Cancelled);
    checkAfterCrash(dir, path, original, false);
}

void TestSaveCrash::killedProcess()
{
    QFETCH(QString, step);
    QFETCH(bool, rewrite);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 30);
    const QByteArray original = readBytes(path);
    QProcess cli;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SAFESCOPE_TEST_CRASH_AFTER"), step);
    cli.setProcessEnvironment(environment);
    QStringList arguments{QStringLiteral("meta"), path, QStringLiteral("--set"), QStringLiteral("edited=yes")};
    if (rewrite)
        arguments << QStringLiteral("--rewrite");
    cli.start(qEnvironmentVariable("SAFESCOPE_CLI_TESTHOOKS"), arguments); // the variant with live seams
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.exitCode(), 86); // died at the step, not an ordinary error
    checkAfterCrash(dir, path, original, true);
}

// Test seams belong in test builds: the installed CLI must save normally whatever these variables say.
void TestSaveCrash::shippingCliIgnoresTestSeams()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 30);
    QProcess cli;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SAFESCOPE_TEST_CRASH_AFTER"), QStringLiteral("record-written"));
    environment.insert(QStringLiteral("SAFESCOPE_TEST_STOP_BEFORE_READ"), QStringLiteral("1"));
    cli.setProcessEnvironment(environment);
    cli.start(qEnvironmentVariable("SAFESCOPE_CLI"),
              {QStringLiteral("meta"), path, QStringLiteral("--set"), QStringLiteral("edited=yes")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.exitCode(), 0); // 86 if it had died at the step
    QVERIFY(hasNewMetadata(path));
    QVERIFY(inspectRecovery(path).state == RecoveryState::None);

    // Reading values passes the stop seam: the shipping CLI must not stop itself there.
    cli.start(qEnvironmentVariable("SAFESCOPE_CLI"), {QStringLiteral("check"), path});
    QVERIFY(cli.waitForFinished(60000)); // a stopped process would time out here
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
}

void TestSaveCrash::tornRecordIsDiscarded()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 300);
    const QByteArray original = readBytes(path);
    MetadataSaveOptions options;
    options.hooks.afterStep = [](SaveStep at) { return at != SaveStep::RecordWritten; };
    QVERIFY(!saveMetadata(path, kNew, options));
    // Cut the record short, as a crash while writing it would.
    QFile record(recoveryRecordPath(path));
    QVERIFY(record.resize(record.size() - 5));
    QCOMPARE(inspectRecovery(path).state, RecoveryState::Unreadable);
    QVERIFY(restoreRecovery(path));
    QCOMPARE(readBytes(path), original);
    QCOMPARE(filesIn(dir).size(), 1);
}

void TestSaveCrash::corruptRecordIsUnreadable()
{
    // A record whose bytes changed after it was written (a bad sector, a partial overwrite): its checksum no
    // longer matches, so it is never used to write a header back.
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 30);
    const QByteArray original = readBytes(path);
    MetadataSaveOptions options;
    options.hooks.afterStep = [](SaveStep at) { return at != SaveStep::HeaderPartWritten; };
    QVERIFY(!saveMetadata(path, kNew, options));
    QCOMPARE(inspectRecovery(path).state, RecoveryState::HeaderTorn);
    QFile record(recoveryRecordPath(path));
    QVERIFY(record.open(QIODevice::ReadWrite));
    QVERIFY(record.seek(100));
    QVERIFY(record.write("#", 1) == 1);
    record.close();
    QCOMPARE(inspectRecovery(path).state, RecoveryState::Unreadable);
    QVERIFY(readBytes(path) != original); // the torn header stays: nothing trustworthy to restore it from
}

void TestSaveCrash::formatOneRecordIsStillRead()
{
    // A record left by the first release (SHA-256 checksums, the new header as a hash), after a crash once the
    // new header was complete: recognised, and restore puts the old header back.
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 300);
    const QByteArray original = readBytes(path);
    QVERIFY(saveMetadata(path, kNew));
    const QByteArray edited = readBytes(path);
    const qsizetype headerBytes = static_cast<qsizetype>(8 + headerLengthOf(path));
    const QByteArray oldBytes = original.left(headerBytes);
    const QByteArray newBytes = edited.left(headerBytes);
    struct stat info = {};
    QVERIFY(::stat(QFile::encodeName(path).constData(), &info) == 0);
    const auto u64 = [](uint64_t value) {
        QByteArray field(8, Qt::Uninitialized);
        qToLittleEndian<quint64>(value, field.data());
        return field;
    };
    const auto sha = [](const QByteArray& bytes) {
        return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
    };
    QByteArray record = QByteArray("SAFESCOPE-REC-01") + u64(static_cast<uint64_t>(info.st_size)) +
                        u64(static_cast<uint64_t>(info.st_dev)) + u64(static_cast<uint64_t>(info.st_ino)) +
                        u64(static_cast<uint64_t>(headerBytes)) + sha(oldBytes) + sha(newBytes) + oldBytes;
    record += sha(record);
    QFile out(recoveryRecordPath(path));
    QVERIFY(out.open(QIODevice::WriteOnly));
    QCOMPARE(out.write(record), record.size());
    out.close();
    QCOMPARE(inspectRecovery(path).state, RecoveryState::NewHeaderIntact);
    QVERIFY(restoreRecovery(path));
    QCOMPARE(readBytes(path), original);
    QCOMPARE(filesIn(dir), QStringList{QStringLiteral("m.safetensors")});
}

void TestSaveCrash::recordChecksum()
{
    // CRC-64/XZ's check value, and the same result when fed in pieces.
    const QByteArray text("123456789");
    QCOMPARE(crc64(text.constData(), 9), Q_UINT64_C(0x995DC9BBDF1939FA));
    QCOMPARE(crc64(text.constData() + 4, 5, crc64(text.constData(), 4)), Q_UINT64_C(0x995DC9BBDF1939FA));
    QCOMPARE(crc64(nullptr, 0), Q_UINT64_C(0));
}

void TestSaveCrash::replacedFileIsNotRestored()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"pt"})", 300);
    MetadataSaveOptions options;
    options.hooks.afterStep = [](SaveStep at) { return at != SaveStep::HeaderWritten; };
    QVERIFY(!saveMetadata(path, kNew, options));
    // Another program replaced the file (new inode, other size) before the record was dealt with.
    QVERIFY(QFile::remove(path));
    makeCheckpoint(dir, QStringLiteral("m.safetensors"), R"({"format":"tf"})", 30);
    const QByteArray replaced = readBytes(path);
    QCOMPARE(inspectRecovery(path).state, RecoveryState::FileReplaced);
    auto restored = restoreRecovery(path);
    QVERIFY(!restored);
    QCOMPARE(restored.error().kind, ErrorKind::FileChanged);
    QCOMPARE(readBytes(path), replaced);
    QVERIFY(discardRecovery(path));
    QCOMPARE(readBytes(path), replaced);
}

QTEST_GUILESS_MAIN(TestSaveCrash)
#include "tst_savecrash.moc"
