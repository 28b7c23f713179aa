// Metadata saves (issue 5): in place when the header fits, otherwise a verbatim rewrite; the data region is proven
// unchanged by hashes; invalid metadata, read-only files and folders, and injected disk-full errors leave the
// original byte-identical with an error that names the file.
#include "core/format/dtype.h"
#include "core/edit/headertext.h"
#include "core/edit/metadatarules.h"
#include "core/edit/metadatasaver.h"
#include "core/format/model.h"
#include "core/edit/recoveryrecord.h"
#include "core/format/safetensorsfile.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <sys/stat.h>

using namespace safescope;
using namespace safescope::test;

namespace {

using Entries = std::vector<MetadataEntry>;

Entries entriesOf(const QString& path)
{
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    return file ? (*file)->header().metadata : Entries{};
}

bool sameEntries(const Entries& a, const Entries& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].key != b[i].key || a[i].value != b[i].value)
            return false;
    }
    return true;
}

// Bytes needed for an element count filling whole bytes in every dtype (F4 needs an even count, F6 a multiple of 4).
uint64_t bytesFor(DType dtype, uint64_t elements)
{
    return elements * static_cast<uint64_t>(dtypeBits(dtype)) / 8;
}

} // namespace

class TestMetadataSave final : public QObject
{
    Q_OBJECT

private slots:
    void roundTripEveryDtype_data();
    void roundTripEveryDtype();
    void inPlaceWritesOnlyTheHeader();
    void rewriteWhenTheHeaderGrows();
    void unalignedSourceGetsNoPagePadding();
    void reserveMakesTheNextEditInPlace();
    void smallFileGrowsOnlyByWhatTheEditNeeds();
    void largeDataKeepsItsPageOffset();
    void planDescribesTheSave();
    void saveAsLeavesTheOriginal();
    void removeMetadataObject();
    void invalidMetadataRefused_data();
    void invalidMetadataRefused();
    void invalidFileRefused();
    void injectedFaults_data();
    void injectedFaults();
    void readOnlyFile_data();
    void readOnlyFile();
    void readOnlyFolder_data();
    void readOnlyFolder();
    void cancelledRewriteLeavesNothing();
    void leftoverRecordBlocksTheNextSave();
    void editAppliesOperations();
    void allShards();
    void oneShardLeavesTheOther();
    void shardsSaveAs_data();
    void shardsSaveAs();
    void shardsSaveAsRefusesTheOriginalFolder();
    void shardsSaveAsFolderWithoutIndex_data();
    void shardsSaveAsFolderWithoutIndex();
    void compareMetadataSummary();

private:
    QTemporaryDir m_dir;
};

void TestMetadataSave::roundTripEveryDtype_data()
{
    QTest::addColumn<int>("dtype");
    QTest::addColumn<bool>("rewrite");
    for (int i = 0; i < kDTypeCount; ++i) {
        const DType dtype = allDTypes()[i];
        const QByteArray name(dtypeName(dtype).data(), static_cast<qsizetype>(dtypeName(dtype).size()));
        QTest::newRow(QByteArray(name + " in-place").constData()) << i << false;
        QTest::newRow(QByteArray(name + " rewrite").constData()) << i << true;
    }
}

void TestMetadataSave::roundTripEveryDtype()
{
    QFETCH(int, dtype);
    QFETCH(bool, rewrite);
    const DType type = allDTypes()[dtype];
    const QByteArray name(dtypeName(type).data(), static_cast<qsizetype>(dtypeName(type).size()));
    const uint64_t size = bytesFor(type, 8);
    const QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("t", name, {2, 4}, 0, size) +
                              ",\"z\":{\"dtype\":\"" + name + "\",\"shape\":[0],\"data_offsets\":[" +
                              QByteArray::number(size) + "," + QByteArray::number(size) + "]}}" + QByteArray(64, ' ');
    const QByteArray data = patternBytes(size, 99);
    const QString path =
        writeFile(m_dir, QStringLiteral("rt-%1-%2.safetensors").arg(dtype).arg(rewrite), rawFile(header, data));

    const Entries wanted{{"format", "pt"}, {"note", "x\n\"quoted\" \u00e9 \\"}};
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    auto saved = saveMetadata(path, wanted, options);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, rewrite ? SaveMethod::Rewrite : SaveMethod::InPlace);
    QCOMPARE(dataRegion(path), data);
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(file);
    const Header& after = (*file)->header();
    QVERIFY(sameEntries(after.metadata, wanted));
    QCOMPARE(after.tensors.size(), size_t{2});
    QCOMPARE(after.tensors[0].name, std::string("t"));
    QCOMPARE(after.tensors[0].dtype, type);
    QCOMPARE(dimsOf(after.tensors[0].shape), (std::vector<uint64_t>{2, 4}));
    QCOMPARE(dimsOf(after.tensors[1].shape), (std::vector<uint64_t>{0}));
    if (rewrite)
        QCOMPARE(after.dataStart % 8, uint64_t{0});
}

void TestMetadataSave::inPlaceWritesOnlyTheHeader()
{
    const QString path = makeCheckpoint(m_dir, QStringLiteral("inplace.safetensors"),
                                        R"({"format":"pt","long":"0123456789012345678901234567890123456789"})", 13);
    const QByteArray before = readBytes(path);
    const uint64_t n = headerLengthOf(path);
    auto saved = saveMetadata(path, Entries{{"format", "pt"}, {"b", "2"}});
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, SaveMethod::InPlace);
    QCOMPARE(saved->newHeaderLength, n);
    const QByteArray after = readBytes(path);
    QCOMPARE(after.size(), before.size());
    QCOMPARE(headerLengthOf(path), n);
    QCOMPARE(sha256Of(after.mid(static_cast<qsizetype>(8 + n))), sha256Of(before.mid(static_cast<qsizetype>(8 + n))));
    // Exactly the layout-preserving header, padded with spaces to the old N.
    const QByteArray expected =
        "{\"__metadata__\":{\"format\":\"pt\",\"b\":\"2\"}," + tensorJson("a.weight", "F32", {4, 4}, 0, 64) + ',' +
        tensorJson("b.bias", "BF16", {8}, 64, 80) + ',' + tensorJson("c.mask", "U8", {5}, 80, 85) + '}';
    QCOMPARE(after.mid(8, expected.size()), expected);
    QCOMPARE(after.mid(8 + expected.size(), static_cast<qsizetype>(n) - expected.size()),
             QByteArray(static_cast<qsizetype>(n) - expected.size(), ' '));
    QCOMPARE(inspectRecovery(path).state, RecoveryState::None);
    QVERIFY(!QFile::exists(recoveryRecordPath(path)));
    QVERIFY(sameEntries(saved->file->header().metadata, (Entries{{"format", "pt"}, {"b", "2"}})));
}

void TestMetadataSave::rewriteWhenTheHeaderGrows()
{
    // One space of padding makes N = 216: the tensor bytes start 8-aligned (at 224), as the page offset rule needs.
    const QString path = makeCheckpoint(m_dir, QStringLiteral("grow.safetensors"), R"({"format":"pt"})", 1);
    const QByteArray data = dataRegion(path);
    const uint64_t oldDataStart = 8 + headerLengthOf(path);
    QCOMPARE(oldDataStart, uint64_t{224});
    const Entries wanted{{"format", "pt"}, {"description", std::string(500, 'd')}};
    auto saved = saveMetadata(path, wanted);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, SaveMethod::Rewrite);
    QCOMPARE(sha256Of(dataRegion(path)), sha256Of(data));
    QCOMPARE(headerLengthOf(path) % 8, uint64_t{0});
    // The new file was preallocated to its exact size: nothing past the last tensor.
    QCOMPARE(uint64_t(QFileInfo(path).size()), 8 + headerLengthOf(path) + uint64_t(data.size()));
    // A small file gets no page padding (largeDataKeepsItsPageOffset covers the large case): the header is the JSON.
    QVERIFY2(headerLengthOf(path) < 1024, qPrintable(QString::number(headerLengthOf(path))));
    QVERIFY(sameEntries(entriesOf(path), wanted));
    QVERIFY(!inspectRecovery(path).needsAttention()); // no temp file left
    const QStringList leftovers = QDir(m_dir.path()).entryList({QStringLiteral(".grow*")}, QDir::Hidden | QDir::Files);
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(u',')));
}

void TestMetadataSave::unalignedSourceGetsNoPagePadding()
{
    // N = 215: the tensor bytes start at 223, not 8-aligned (MLX and some 2022 writers), so no phase can be kept:
    // the new header is the JSON rounded up to 8, nothing more.
    const QString path = makeCheckpoint(m_dir, QStringLiteral("unaligned.safetensors"), R"({"format":"pt"})", 0);
    QCOMPARE(headerLengthOf(path), uint64_t{215});
    const QByteArray data = dataRegion(path);
    auto saved = saveMetadata(path, Entries{{"format", "pt"}, {"description", std::string(500, 'd')}});
    QVERIFY(saved);
    QCOMPARE(saved->method, SaveMethod::Rewrite);
    QCOMPARE(headerLengthOf(path) % 8, uint64_t{0});
    QVERIFY2(headerLengthOf(path) < 1024, qPrintable(QString::number(headerLengthOf(path))));
    QCOMPARE(sha256Of(dataRegion(path)), sha256Of(data));
    QCOMPARE(uint64_t(QFileInfo(path).size()), 8 + headerLengthOf(path) + uint64_t(data.size()));
}

void TestMetadataSave::smallFileGrowsOnlyByWhatTheEditNeeds()
{
    // Issue 16, defect 2: without a reserve, a 2 KiB-class file grew by 4 KiB of padding nobody asked for.
    const QString path = makeCheckpoint(m_dir, QStringLiteral("small.safetensors"), R"({"format":"pt"})", 0);
    const uint64_t before = uint64_t(QFileInfo(path).size());
    const uint64_t oldLength = headerLengthOf(path);
    auto opened = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(opened);
    const Header& header = (*opened)->header();
    const Entries wanted{{"format", "pt"}, {"author", std::string(40, 'a')}};
    MetadataEdit edit;
    edit.set = {{"author", std::string(40, 'a')}};
    auto saved = saveMetadataEdit(path, edit);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, SaveMethod::Rewrite);
    const uint64_t after = uint64_t(QFileInfo(path).size());
    // The key and its value are ~54 bytes of JSON; rounding to 8 adds at most 7.
    QVERIFY2(after - before <= 64, qPrintable(QStringLiteral("%1 -> %2 bytes").arg(before).arg(after)));
    QVERIFY(headerLengthOf(path) > oldLength);
    QVERIFY(sameEntries(entriesOf(path), wanted));
    // The plan the summary shows is what the save did.
    const std::string text = headerTextKeepingLayout(header, wanted);
    const SavePlan plan = planHeaderSave(header, text.size(), true, 0);
    QCOMPARE(plan.method, SaveMethod::Rewrite);
    QCOMPARE(plan.newFileSize, after);
    QCOMPARE(plan.newHeaderLength, headerLengthOf(path));
    QCOMPARE(plan.alignmentPadding, uint64_t{0});
    // Asked for, the reserve is there, and only it.
    const SavePlan reserved = planHeaderSave(header, text.size(), true, 4096);
    QCOMPARE(reserved.newHeaderLength, plan.newHeaderLength + 4096);
}

void TestMetadataSave::largeDataKeepsItsPageOffset()
{
    // At 64 MiB of data and more the rewrite pads the header so that the tensor bytes keep their page offset (the
    // copy then moves whole pages, 2-3x faster on ext4); the padding is at most a page.
    QByteArray header = '{' + tensorJson("t", "U8", {uint64_t{64} << 20}, 0, uint64_t{64} << 20) + '}';
    header.append(QByteArray(1000 - header.size(), ' ')); // data at 8 + 1,000 = 1,008
    const QString path = writeFile(m_dir, QStringLiteral("large.safetensors"), rawFile(header));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(1008 + (qint64{64} << 20))); // zeros, sparse
    }
    auto saved = saveMetadata(path, Entries{{"format", "pt"}, {"description", std::string(2000, 'd')}});
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, SaveMethod::Rewrite);
    QCOMPARE((8 + headerLengthOf(path)) % 4096, uint64_t{1008});
    QVERIFY(headerLengthOf(path) < 2000 + 200 + 4096);
    QCOMPARE(uint64_t(QFileInfo(path).size()), 8 + headerLengthOf(path) + (uint64_t{64} << 20));
}

void TestMetadataSave::planDescribesTheSave()
{
    Header header;
    header.headerLength = 320;
    header.dataStart = 328;
    header.fileSize = 2048;
    const SavePlan inPlace = planHeaderSave(header, 300, true, 0);
    QCOMPARE(inPlace.method, SaveMethod::InPlace);
    QCOMPARE(inPlace.describe(), QStringLiteral("in place: only the header changes; the file stays 2,048 bytes"));
    const SavePlan saveAs = planHeaderSave(header, 300, false, 0); // Save As: always a new file
    QCOMPARE(saveAs.method, SaveMethod::Rewrite);
    QCOMPARE(saveAs.newHeaderLength, uint64_t{304});
    QCOMPARE(saveAs.describe(), QStringLiteral("rewritten: 2,048 -> 2,032 bytes (header 320 -> 304 bytes)"));
    const SavePlan reserved = planHeaderSave(header, 330, true, 4096);
    QCOMPARE(reserved.newHeaderLength, uint64_t{336 + 4096});
    QCOMPARE(reserved.newFileSize, uint64_t{8 + 336 + 4096 + 1720});
    QCOMPARE(
        reserved.describe(),
        QStringLiteral("rewritten: 2,048 -> 6,160 bytes (header 320 -> 4,432 bytes, 4,096 reserved for later edits)"));
}

void TestMetadataSave::reserveMakesTheNextEditInPlace()
{
    const QString path = makeCheckpoint(m_dir, QStringLiteral("reserve.safetensors"), {}, 0);
    const QByteArray data = dataRegion(path);
    MetadataSaveOptions options;
    options.reserveBytes = 4096;
    auto saved = saveMetadata(path, Entries{{"format", "pt"}}, options);
    QVERIFY(saved);
    QCOMPARE(saved->method, SaveMethod::Rewrite);
    QVERIFY(headerLengthOf(path) >= 4096 + 200);
    auto next = saveMetadata(path, Entries{{"format", "pt"}, {"k", std::string(3000, 'v')}});
    QVERIFY(next);
    QCOMPARE(next->method, SaveMethod::InPlace);
    QCOMPARE(sha256Of(dataRegion(path)), sha256Of(data));
}

void TestMetadataSave::saveAsLeavesTheOriginal()
{
    const QString path = makeCheckpoint(m_dir, QStringLiteral("orig.safetensors"), R"({"format":"pt"})", 100);
    const QByteArray before = readBytes(path);
    MetadataSaveOptions options;
    options.outputPath = m_dir.filePath(QStringLiteral("copy.safetensors"));
    auto saved = saveMetadata(path, Entries{{"format", "tf"}}, options);
    QVERIFY(saved);
    QCOMPARE(saved->method, SaveMethod::Rewrite);
    QCOMPARE(readBytes(path), before);
    QCOMPARE(dataRegion(options.outputPath), dataRegion(path));
    QVERIFY(sameEntries(entriesOf(options.outputPath), (Entries{{"format", "tf"}})));
}

void TestMetadataSave::removeMetadataObject()
{
    const QString path = makeCheckpoint(m_dir, QStringLiteral("remove.safetensors"), R"({"format":"pt"})", 0);
    auto saved = saveMetadata(path, std::nullopt);
    QVERIFY(saved);
    QCOMPARE(saved->method, SaveMethod::InPlace);
    QCOMPARE(saved->file->header().metadataState, MetadataState::Absent);
    QVERIFY(!readBytes(path).contains("__metadata__"));
}

void TestMetadataSave::invalidMetadataRefused_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("second");
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("empty key") << QString() << QStringLiteral("x") << QByteArray("v");
    QTest::newRow("duplicate key") << QStringLiteral("x") << QStringLiteral("x") << QByteArray("v");
    QTest::newRow("reserved key") << QStringLiteral("__metadata__") << QStringLiteral("x") << QByteArray("v");
    QTest::newRow("invalid UTF-8 value") << QStringLiteral("k") << QStringLiteral("x") << QByteArray("\xC0\x80");
}

void TestMetadataSave::invalidMetadataRefused()
{
    QFETCH(QString, key);
    QFETCH(QString, second);
    QFETCH(QByteArray, value);
    const QString path = makeCheckpoint(m_dir, QStringLiteral("invalid-meta.safetensors"), R"({"format":"pt"})", 0);
    const QByteArray before = readBytes(path);
    auto saved = saveMetadata(path, Entries{{key.toStdString(), value.toStdString()}, {second.toStdString(), "1"}});
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(saved.error().path, path);
    QCOMPARE(readBytes(path), before);
}

void TestMetadataSave::invalidFileRefused()
{
    // A gap between tensors: the strict reader refuses it, so it is not edited either.
    const QByteArray header = "{" + tensorJson("a", "U8", {4}, 0, 4) + ',' + tensorJson("b", "U8", {4}, 8, 12) + "}";
    const QString path = writeFile(m_dir, QStringLiteral("gap.safetensors"), rawFile(header, QByteArray(12, 'x')));
    const QByteArray before = readBytes(path);
    auto saved = saveMetadata(path, Entries{{"format", "pt"}});
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::InvalidOffset);
    QCOMPARE(readBytes(path), before);

    // Length fields the parser refuses: named from the 8 bytes alone (nothing more is read), the file untouched.
    const std::pair<uint64_t, ErrorKind> lengths[] = {{100'000'001, ErrorKind::HeaderTooLarge},
                                                      {5000, ErrorKind::InvalidHeaderLength}};
    for (const auto& [length, kind] : lengths) {
        const QString bad = writeFile(m_dir, QStringLiteral("length.safetensors"),
                                      rawFileWithLength(length, "{}", QByteArray(64, ' ')));
        const QByteArray original = readBytes(bad);
        auto refused = saveMetadata(bad, Entries{{"format", "pt"}});
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, kind);
        QCOMPARE(readBytes(bad), original);
    }
}

void TestMetadataSave::injectedFaults_data()
{
    QTest::addColumn<bool>("rewrite");
    QTest::addColumn<int>("operation");
    QTest::addColumn<int>("skip"); // calls of that operation that succeed before the injected failure
    QTest::addColumn<int>("err");
    QTest::addColumn<QString>("reason");
    const QString full = QStringLiteral("No space left on device");
    const QString eio = QStringLiteral("Input/output error");
    QTest::newRow("in-place: record not created") << false << int(IoOperation::Create) << 0 << ENOSPC << full;
    QTest::newRow("in-place: record write") << false << int(IoOperation::Write) << 0 << ENOSPC << full;
    QTest::newRow("in-place: record sync") << false << int(IoOperation::Sync) << 0 << EIO << eio;
    QTest::newRow("in-place: header write") << false << int(IoOperation::Write) << 1 << ENOSPC << full;
    QTest::newRow("in-place: header sync") << false << int(IoOperation::Sync) << 2 << EIO << eio;
    QTest::newRow("rewrite: temp not created")
        << true << int(IoOperation::Create) << 0 << EACCES << QStringLiteral("Permission denied");
    QTest::newRow("rewrite: no room for the new file") << true << int(IoOperation::Allocate) << 0 << ENOSPC << full;
    QTest::newRow("rewrite: header write") << true << int(IoOperation::Write) << 0 << ENOSPC << full;
    QTest::newRow("rewrite: data copy") << true << int(IoOperation::Copy) << 0 << ENOSPC << full;
    QTest::newRow("rewrite: sync") << true << int(IoOperation::Sync) << 0 << ENOSPC << full;
    QTest::newRow("rewrite: rename") << true << int(IoOperation::Rename) << 0 << EACCES
                                     << QStringLiteral("Permission denied");
}

void TestMetadataSave::injectedFaults()
{
    QFETCH(bool, rewrite);
    QFETCH(int, operation);
    QFETCH(int, skip);
    QFETCH(int, err);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("faults.safetensors"), R"({"format":"pt"})", 200);
    const QByteArray before = readBytes(path);
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    int seen = 0;
    bool injected = false;
    options.hooks.injectFault = [&](IoOperation op) {
        if (int(op) != operation || seen++ != skip)
            return 0;
        injected = true;
        return err;
    };
    auto saved = saveMetadata(path, Entries{{"format", "pt"}, {"new", "value"}}, options);
    QVERIFY(injected);
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::IoError);
    QVERIFY2(saved.error().message.contains(reason), qPrintable(saved.error().message));
    QVERIFY2(saved.error().message.contains(QStringLiteral("faults.safetensors")), qPrintable(saved.error().message));
    QCOMPARE(readBytes(path), before);
    // Nothing left behind: no record, no temp file.
    const QStringList all = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
    QCOMPARE(all, QStringList{QStringLiteral("faults.safetensors")});
}

void TestMetadataSave::readOnlyFile_data()
{
    QTest::addColumn<bool>("rewrite");
    QTest::newRow("in-place") << false;
    QTest::newRow("rewrite") << true;
}

void TestMetadataSave::readOnlyFile()
{
    QFETCH(bool, rewrite);
    QTemporaryDir dir;
    QVERIFY(QFile::setPermissions(dir.path(), QFile::Permissions(0x7777)));
    const QString path = makeCheckpoint(dir, QStringLiteral("ro.safetensors"), R"({"format":"pt"})", 200);
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
    const QByteArray before = readBytes(path);
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    Result<MetadataSaveResult> saved = makeError(ErrorKind::IoError, {});
    {
        Unprivileged user;
        saved = saveMetadata(path, Entries{{"format", "pt"}, {"x", "y"}}, options);
    }
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::IoError);
    QVERIFY2(saved.error().message.contains(QStringLiteral("Permission denied")), qPrintable(saved.error().message));
    QCOMPARE(saved.error().path, path);
    QCOMPARE(readBytes(path), before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
}

void TestMetadataSave::readOnlyFolder_data()
{
    readOnlyFile_data();
}

void TestMetadataSave::readOnlyFolder()
{
    QFETCH(bool, rewrite);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("rodir.safetensors"), R"({"format":"pt"})", 200);
    QVERIFY(QFile::setPermissions(path, QFile::Permissions(0x6666)));
    QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther |
                                                  QFile::ReadGroup | QFile::ExeGroup));
    const QByteArray before = readBytes(path);
    MetadataSaveOptions options;
    options.forceRewrite = rewrite;
    Result<MetadataSaveResult> saved = makeError(ErrorKind::IoError, {});
    {
        Unprivileged user;
        saved = saveMetadata(path, Entries{{"format", "pt"}, {"x", "y"}}, options);
    }
    QVERIFY(QFile::setPermissions(dir.path(), QFile::Permissions(0x7700)));
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::IoError);
    QVERIFY2(saved.error().message.contains(QStringLiteral("Permission denied")), qPrintable(saved.error().message));
    QVERIFY2(saved.error().message.contains(dir.path()), qPrintable(saved.error().message));
    QCOMPARE(readBytes(path), before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
}

void TestMetadataSave::cancelledRewriteLeavesNothing()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("cancel.safetensors"), R"({"format":"pt"})", 0);
    const QByteArray before = readBytes(path);
    std::atomic_bool cancel{false};
    MetadataSaveOptions options;
    options.forceRewrite = true;
    options.cancel = &cancel;
    options.progress = [&](double) { cancel = true; };
    auto saved = saveMetadata(path, Entries{{"format", "tf"}}, options);
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::Cancelled);
    QCOMPARE(readBytes(path), before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
}

void TestMetadataSave::leftoverRecordBlocksTheNextSave()
{
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, QStringLiteral("blocked.safetensors"), R"({"format":"pt"})", 200);
    MetadataSaveOptions crash;
    crash.hooks.afterStep = [](SaveStep step) { return step != SaveStep::HeaderWritten; };
    QVERIFY(!saveMetadata(path, Entries{{"format", "tf"}}, crash));
    QCOMPARE(inspectRecovery(path).state, RecoveryState::NewHeaderIntact);
    auto again = saveMetadata(path, Entries{{"format", "flax"}});
    QVERIFY(!again);
    QVERIFY2(again.error().message.contains(QStringLiteral("interrupted")), qPrintable(again.error().message));
    QVERIFY(sameEntries(entriesOf(path), (Entries{{"format", "tf"}})));
    QVERIFY(discardRecovery(path));
    QVERIFY(saveMetadata(path, Entries{{"format", "flax"}}));
    QVERIFY(sameEntries(entriesOf(path), (Entries{{"format", "flax"}})));
}

void TestMetadataSave::editAppliesOperations()
{
    MetadataEdit edit;
    edit.unset = {"b"};
    edit.set = {{"a", "A2"}, {"d", "D"}};
    const auto result = edit.apply({{"a", "A"}, {"b", "B"}, {"c", "C"}});
    QVERIFY(result);
    QVERIFY(sameEntries(*result, (Entries{{"a", "A2"}, {"c", "C"}, {"d", "D"}})));
    MetadataEdit clear;
    clear.clear = true;
    QVERIFY(!clear.apply({{"a", "A"}}).has_value());
    clear.set = {{"format", "pt"}};
    QVERIFY(sameEntries(*clear.apply({{"a", "A"}}), (Entries{{"format", "pt"}})));
}

void TestMetadataSave::allShards()
{
    QTemporaryDir dir;
    const QByteArray h1 =
        "{\"__metadata__\":{\"format\":\"pt\",\"shard\":\"1\"}," + tensorJson("x", "U8", {4}, 0, 4) + "}";
    const QByteArray h2 =
        "{\"__metadata__\":{\"format\":\"pt\",\"shard\":\"2\"}," + tensorJson("y", "U8", {4}, 0, 4) + "}";
    writeFile(dir, QStringLiteral("model-00001-of-00002.safetensors"), rawFile(h1, "aaaa"));
    writeFile(dir, QStringLiteral("model-00002-of-00002.safetensors"), rawFile(h2, "bbbb"));
    writeFile(dir, QStringLiteral("model.safetensors.index.json"),
              R"({"metadata":{"total_size":8},"weight_map":{"x":"model-00001-of-00002.safetensors",)"
              R"("y":"model-00002-of-00002.safetensors"}})");
    auto model = Model::open(dir.filePath(QStringLiteral("model.safetensors.index.json")));
    QVERIFY(model);
    MetadataEdit edit;
    edit.set = {{"license", "mit"}};
    auto saved = saveMetadataEditAllShards(**model, edit);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->size(), size_t{2});
    QVERIFY(sameEntries(entriesOf(dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"))),
                        (Entries{{"format", "pt"}, {"shard", "1"}, {"license", "mit"}})));
    QVERIFY(sameEntries(entriesOf(dir.filePath(QStringLiteral("model-00002-of-00002.safetensors"))),
                        (Entries{{"format", "pt"}, {"shard", "2"}, {"license", "mit"}})));
    QCOMPARE(dataRegion(dir.filePath(QStringLiteral("model-00002-of-00002.safetensors"))), QByteArray("bbbb"));
}

void TestMetadataSave::oneShardLeavesTheOther()
{
    // What the metadata page's single-shard scope saves: that shard's metadata through saveMetadata, in place.
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir);
    const QString first = dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"));
    const QString second = dir.filePath(QStringLiteral("model-00002-of-00002.safetensors"));
    const QByteArray firstBefore = fileSha256(first);
    const QByteArray secondBefore = fileSha256(second);
    const QByteArray indexBefore = fileSha256(index);
    auto saved = saveMetadata(second, Entries{{"format", "pt"}, {"x", "y"}});
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->method, SaveMethod::InPlace);
    QVERIFY(fileSha256(second) != secondBefore);
    QCOMPARE(fileSha256(first), firstBefore);
    QCOMPARE(fileSha256(index), indexBefore);
    QCOMPARE(dataRegion(second), QByteArray("bbbb"));
    auto model = Model::open(index, OpenMode::Strict);
    QVERIFY(model);
    QVERIFY(sameEntries((*model)->shards()[1].file->header().metadata, (Entries{{"format", "pt"}, {"x", "y"}})));
    QVERIFY(sameEntries((*model)->shards()[0].file->header().metadata, (Entries{{"format", "pt"}, {"shard", "1"}})));
}

void TestMetadataSave::shardsSaveAs_data()
{
    QTest::addColumn<int>("onlyShard"); // -1: every shard
    QTest::addColumn<QString>("firstShard");
    QTest::addColumn<QString>("secondShard");
    QTest::newRow("all shards") << -1 << QStringLiteral("1") << QStringLiteral("2");
    QTest::newRow("second shard only") << 1 << QStringLiteral("1") << QStringLiteral("2");
}

void TestMetadataSave::shardsSaveAs()
{
    QFETCH(int, onlyShard);
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir);
    const QStringList names{QStringLiteral("model-00001-of-00002.safetensors"),
                            QStringLiteral("model-00002-of-00002.safetensors"),
                            QStringLiteral("model.safetensors.index.json")};
    QList<QByteArray> before;
    for (const QString& name : names)
        before.append(fileSha256(dir.filePath(name)));
    auto model = Model::open(index, OpenMode::Strict);
    QVERIFY(model);
    MetadataEdit edit;
    edit.set = {{"license", "mit"}};
    QTemporaryDir outDir;
    const QString out = outDir.filePath(QStringLiteral("copy/nested"));
    double lastProgress = 0;
    MetadataSaveOptions options;
    options.progress = [&lastProgress](double fraction) {
        QVERIFY(fraction >= lastProgress && fraction <= 1.0);
        lastProgress = fraction;
    };
    auto saved =
        saveShardsAs(**model, edit, out,
                     onlyShard < 0 ? std::nullopt : std::optional<size_t>(static_cast<size_t>(onlyShard)), options);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->size(), size_t{2});
    QCOMPARE(lastProgress, 1.0);
    for (qsizetype i = 0; i < names.size(); ++i)
        QCOMPARE(fileSha256(dir.filePath(names[i])), before[i]);

    // The copy opens as one model through its own index, with the same tensors and data.
    auto copy = Model::open(QDir(out).filePath(names[2]), OpenMode::Strict);
    QVERIFY2(copy, qPrintable(copy ? QString() : copy.error().describe()));
    QCOMPARE((*copy)->shards().size(), size_t{2});
    QVERIFY((*copy)->warnings().empty());
    QCOMPARE((*copy)->tensorCount(), size_t{2});
    QVERIFY((*copy)->shards()[0].path.startsWith(QDir(out).absolutePath()));
    QCOMPARE(readBytes(QDir(out).filePath(names[2])), readBytes(index));
    QCOMPARE(dataRegion(QDir(out).filePath(names[0])), QByteArray("aaaa"));
    QCOMPARE(dataRegion(QDir(out).filePath(names[1])), QByteArray("bbbb"));
    const Entries first = (*copy)->shards()[0].file->header().metadata;
    const Entries second = (*copy)->shards()[1].file->header().metadata;
    QVERIFY(sameEntries(second, (Entries{{"format", "pt"}, {"shard", "2"}, {"license", "mit"}})));
    if (onlyShard < 0)
        QVERIFY(sameEntries(first, (Entries{{"format", "pt"}, {"shard", "1"}, {"license", "mit"}})));
    else
        QVERIFY(sameEntries(first, (Entries{{"format", "pt"}, {"shard", "1"}})));
}

void TestMetadataSave::shardsSaveAsRefusesTheOriginalFolder()
{
    QTemporaryDir dir;
    const QString index = writeTwoShardModel(dir);
    const QByteArray first = fileSha256(dir.filePath(QStringLiteral("model-00001-of-00002.safetensors")));
    auto model = Model::open(index, OpenMode::Strict);
    QVERIFY(model);
    MetadataEdit edit;
    edit.set = {{"license", "mit"}};
    auto saved = saveShardsAs(**model, edit, dir.path());
    QVERIFY(!saved);
    QCOMPARE(saved.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(saved.error().message.contains(QStringLiteral("original")), qPrintable(saved.error().message));
    QCOMPARE(fileSha256(dir.filePath(QStringLiteral("model-00001-of-00002.safetensors"))), first);
}

void TestMetadataSave::shardsSaveAsFolderWithoutIndex_data()
{
    QTest::addColumn<int>("onlyShard"); // -1: every shard
    QTest::addColumn<int>("opened");    // 0: the folder's absolute path, 1: with a trailing slash, 2: relative
    QTest::newRow("all shards") << -1 << 0;
    QTest::newRow("all shards, trailing slash") << -1 << 1;
    QTest::newRow("all shards, relative path") << -1 << 2;
    QTest::newRow("first shard only") << 0 << 0;
}

void TestMetadataSave::shardsSaveAsFolderWithoutIndex()
{
    // A plain folder of .safetensors files, no index: every file is written into the target under its own name,
    // and no index appears there.
    QFETCH(int, onlyShard);
    QFETCH(int, opened);
    QTemporaryDir root;
    QVERIFY(QDir(root.path()).mkdir(QStringLiteral("model")));
    QTemporaryDir dir(root.filePath(QStringLiteral("model/XXXXXX")));
    QVERIFY(QFile::remove(writeTwoShardModel(dir)));
    const QStringList names{QStringLiteral("model-00001-of-00002.safetensors"),
                            QStringLiteral("model-00002-of-00002.safetensors")};
    const QByteArray firstBefore = fileSha256(dir.filePath(names[0]));
    const QByteArray secondBefore = fileSha256(dir.filePath(names[1]));
    QString folder = dir.path();
    const QString current = QDir::currentPath();
    if (opened == 1)
        folder += u'/';
    if (opened == 2) {
        QVERIFY(QDir::setCurrent(root.path()));
        folder = QDir(root.path()).relativeFilePath(dir.path());
    }
    auto model = Model::open(folder, OpenMode::Strict);
    QVERIFY2(model, qPrintable(model ? QString() : model.error().describe()));
    QCOMPARE((*model)->shards().size(), size_t{2});
    QVERIFY((*model)->indexPath().isEmpty());
    MetadataEdit edit;
    edit.set = {{"license", "mit"}};
    QTemporaryDir outDir;
    const QString out = outDir.filePath(QStringLiteral("copy"));
    auto saved = saveShardsAs(**model, edit, out,
                              onlyShard < 0 ? std::nullopt : std::optional<size_t>(static_cast<size_t>(onlyShard)));
    QVERIFY(QDir::setCurrent(current));
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().describe()));
    QCOMPARE(saved->size(), size_t{2});
    QCOMPARE(fileSha256(dir.filePath(names[0])), firstBefore);
    QCOMPARE(fileSha256(dir.filePath(names[1])), secondBefore);
    QCOMPARE(QDir(out).entryList(QDir::Files | QDir::Hidden, QDir::Name), names);
    QCOMPARE((*saved)[0].path, QDir(out).absoluteFilePath(names[0]));

    auto copy = Model::open(out, OpenMode::Strict);
    QVERIFY2(copy, qPrintable(copy ? QString() : copy.error().describe()));
    QCOMPARE((*copy)->shards().size(), size_t{2});
    QCOMPARE((*copy)->tensorCount(), size_t{2});
    QCOMPARE(dataRegion(QDir(out).filePath(names[0])), QByteArray("aaaa"));
    QCOMPARE(dataRegion(QDir(out).filePath(names[1])), QByteArray("bbbb"));
    QVERIFY(sameEntries((*copy)->shards()[0].file->header().metadata,
                        (Entries{{"format", "pt"}, {"shard", "1"}, {"license", "mit"}})));
    if (onlyShard < 0)
        QVERIFY(sameEntries((*copy)->shards()[1].file->header().metadata,
                            (Entries{{"format", "pt"}, {"shard", "2"}, {"license", "mit"}})));
    else
        QVERIFY(sameEntries((*copy)->shards()[1].file->header().metadata, (Entries{{"format", "pt"}, {"shard", "2"}})));

    // Into the folder itself: refused before anything is written.
    auto again = saveShardsAs(**model, edit, dir.path());
    QVERIFY(!again);
    QCOMPARE(again.error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(fileSha256(dir.filePath(names[0])), firstBefore);
}

void TestMetadataSave::compareMetadataSummary()
{
    const MetadataChanges changes =
        compareMetadata({{"a", "1"}, {"b", "2"}, {"c", "3"}}, {{"a", "1"}, {"c", "4"}, {"d", "5"}});
    QCOMPARE(changes.added, std::vector<std::string>{"d"});
    QCOMPARE(changes.removed, std::vector<std::string>{"b"});
    QCOMPARE(changes.changed, std::vector<std::string>{"c"});
    QVERIFY(lacksFormatKey(Entries{{"a", "1"}}));
    QVERIFY(!lacksFormatKey(Entries{{"format", "pt"}}));
    QVERIFY(lacksFormatKey(std::nullopt));
}

QTEST_GUILESS_MAIN(TestMetadataSave)
#include "tst_metadatasave.moc"
