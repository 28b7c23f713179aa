// The writer of SPEC.md section 4: round trips for every dtype, the reference's exact byte layout, escaping,
// padding, limits, refusals, cancellation and the atomic replace; plus the demo checkpoint generated at build time.
#include "core/format/headerparser.h"
#include "core/format/safetensorsfile.h"
#include "core/text/textutil.h"
#include "core/export/writer.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <set>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr uint64_t kU64Max = ~0ULL;

uint64_t byteCount(DType dtype, const std::vector<uint64_t>& shape)
{
    uint64_t elements = 1;
    for (const uint64_t dim : shape)
        elements *= dim;
    return elements * static_cast<uint64_t>(dtypeBits(dtype)) / 8;
}

// Keeps payloads alive (a deque never moves its elements) while WriteTensors point into them.
class Payloads final
{
public:
    WriteTensor tensor(std::string name, DType dtype, std::vector<uint64_t> shape, uint32_t seed = 1)
    {
        const QByteArray& bytes = m_store.emplace_back(patternBytes(byteCount(dtype, shape), seed));
        return {std::move(name), dtype, std::move(shape), reinterpret_cast<const unsigned char*>(bytes.constData())};
    }
    WriteTensor tensor(std::string name, DType dtype, std::vector<uint64_t> shape, const QByteArray& bytes)
    {
        const QByteArray& stored = m_store.emplace_back(bytes);
        return {std::move(name), dtype, std::move(shape), reinterpret_cast<const unsigned char*>(stored.constData())};
    }

private:
    std::deque<QByteArray> m_store;
};

QByteArray bytesOf(const WriteTensor& tensor)
{
    return QByteArray(reinterpret_cast<const char*>(tensor.data),
                      static_cast<qsizetype>(byteCount(tensor.dtype, tensor.shape)));
}

QByteArray bytesOf(const SafetensorsFile& file, const TensorInfo& tensor)
{
    return QByteArray(reinterpret_cast<const char*>(file.tensorData(tensor)),
                      static_cast<qsizetype>(tensor.byteSize()));
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QStringList dirEntries(const QString& dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

QByteArray padded(QByteArray header)
{
    while (header.size() % 8 != 0)
        header += ' ';
    return header;
}

QByteArray headerOf(std::vector<WriteTensor> tensors, const WriteOptions& options = {})
{
    Result<std::string> header = buildHeader(tensors, options);
    if (!header)
        return "error: " + header.error().describe().toUtf8();
    return QByteArray::fromStdString(*header);
}

float bf16ToFloat(const unsigned char* bytes)
{
    // Independent of core/dtypecodec: BF16 is the upper half of an F32.
    const uint32_t bits = (static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8) << 16;
    float value = 0;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

float f32At(const unsigned char* bytes)
{
    const uint32_t bits = static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
                          static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
    float value = 0;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

int64_t i64At(const unsigned char* bytes)
{
    uint64_t bits = 0;
    for (int b = 7; b >= 0; --b)
        bits = bits << 8 | bytes[b];
    return static_cast<int64_t>(bits);
}

struct WriteCase
{
    std::vector<WriteTensor> tensors;
    WriteOptions options;
};

} // namespace

Q_DECLARE_METATYPE(WriteCase)
Q_DECLARE_METATYPE(std::string)
Q_DECLARE_METATYPE(safescope::DType)

class TestWriter final : public QObject
{
    Q_OBJECT

private slots:
    void roundTripEachDtype_data();
    void roundTripEachDtype();
    void roundTripAllDtypesInOneFile();
    void exactReferenceLayout();
    void metadataStates_data();
    void metadataStates();
    void escaping_data();
    void escaping();
    void padding_data();
    void padding();
    void headerTooLarge();
    void invalidInputs_data();
    void invalidInputs();
    void nullDataRefused();
    void progressReportsWholeFile();
    void cancel_data();
    void cancel();
    void missingDirectory();
    void replacesMappedFileAtomically();
    void demoCheckpoint();

private:
    Payloads m_payloads;
};

void TestWriter::roundTripEachDtype_data()
{
    QTest::addColumn<DType>("dtype");
    for (int i = 0; i < kDTypeCount; ++i) {
        const DType dtype = allDTypes()[i];
        QTest::newRow(dtypeName(dtype).data()) << dtype;
    }
}

void TestWriter::roundTripEachDtype()
{
    QFETCH(DType, dtype);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // [4,3]: 12 elements, even for F4 and a multiple of 4 for F6; a zero dim; a 0-rank scalar where one element
    // fills whole bytes (not F4/F6, which the writer must refuse; see invalidInputs).
    std::vector<WriteTensor> tensors{m_payloads.tensor("w/matrix", dtype, {4, 3}, 7),
                                     m_payloads.tensor("w/empty", dtype, {3, 0, 2}, 8),
                                     m_payloads.tensor("w/four", dtype, {4}, 9)};
    if (dtypeBits(dtype) % 8 == 0)
        tensors.push_back(m_payloads.tensor("w/scalar", dtype, {}, 10));
    const std::vector<WriteTensor> expected = tensors;

    const QString path = dir.filePath(QStringLiteral("rt.safetensors"));
    const Status status = writeSafetensors(path, tensors, {});
    QVERIFY2(status.ok(), qPrintable(status.ok() ? QString() : status.error().describe()));

    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error().describe()));
    const Header& header = (*file)->header();
    QCOMPARE(header.tensors.size(), expected.size());
    QCOMPARE(header.metadataState, MetadataState::Absent);
    for (const WriteTensor& want : expected) {
        const auto it = std::find_if(header.tensors.begin(), header.tensors.end(),
                                     [&](const TensorInfo& t) { return t.name == want.name; });
        QVERIFY2(it != header.tensors.end(), want.name.c_str());
        QCOMPARE(it->dtype, dtype);
        QCOMPARE(dimsOf(it->shape), want.shape);
        QCOMPARE(bytesOf(**file, *it), bytesOf(want));
    }
    // Same dtype everywhere: the file order is plain byte-wise name order.
    for (size_t i = 1; i < header.tensors.size(); ++i)
        QVERIFY(header.tensors[i - 1].name < header.tensors[i].name);
}

void TestWriter::roundTripAllDtypesInOneFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    std::vector<WriteTensor> tensors;
    // Reverse-of-expected input order, so sorting has work to do.
    for (int i = 0; i < kDTypeCount; ++i) {
        const DType dtype = allDTypes()[i];
        tensors.push_back(
            m_payloads.tensor("t." + std::string(dtypeName(dtype)), dtype, {2, 4}, static_cast<uint32_t>(i)));
    }
    const std::vector<WriteTensor> expected = tensors;
    const QString path = dir.filePath(QStringLiteral("all.safetensors"));
    QVERIFY(writeSafetensors(path, tensors, {}).ok());

    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error().describe()));
    const Header& header = (*file)->header();
    QCOMPARE(header.tensors.size(), size_t(kDTypeCount));
    QCOMPARE(header.layout, WriterLayout::ReferenceDtypeOrder);
    QCOMPARE(header.headerLength % 8, 0u);
    for (int i = 0; i < kDTypeCount; ++i) {
        // Descending dtype order: U64 first, BOOL last.
        const TensorInfo& got = header.tensors[static_cast<size_t>(i)];
        const WriteTensor& want = expected[static_cast<size_t>(kDTypeCount - 1 - i)];
        QCOMPARE(got.name, want.name);
        QCOMPARE(got.dtype, want.dtype);
        QCOMPARE(bytesOf(**file, got), bytesOf(want));
        // Padding to 8 plus descending element size keeps every tensor aligned to its element size.
        const uint64_t elementBytes = std::max(1, dtypeBits(got.dtype) / 8);
        QCOMPARE((*file)->absoluteOffset(got) % elementBytes, 0u);
    }
}

void TestWriter::exactReferenceLayout()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray eBytes = patternBytes(8, 1), aBytes = patternBytes(4, 2), bBytes = patternBytes(8, 3),
                     mBytes = patternBytes(4, 4), zBytes = patternBytes(3, 5);
    std::vector<WriteTensor> tensors{
        m_payloads.tensor("z", DType::U8, {3}, zBytes), m_payloads.tensor("b", DType::F32, {2}, bBytes),
        m_payloads.tensor("m", DType::BF16, {2, 1}, mBytes), m_payloads.tensor("e", DType::I64, {}, eBytes),
        m_payloads.tensor("a", DType::F32, {1}, aBytes)};
    WriteOptions options;
    options.metadataState = MetadataState::Object;
    options.metadata = {{"zeta", "last"}, {"alpha", "first"}};

    // Written by hand: metadata first in the given order, then I64 > F32 (a, b) > BF16 > U8, contiguous offsets;
    // 321 bytes of JSON padded with 7 spaces to 328.
    const QByteArray json = R"({"__metadata__":{"zeta":"last","alpha":"first"},)"
                            R"("e":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},)"
                            R"("m":{"dtype":"BF16","shape":[2,1],"data_offsets":[20,24]},)"
                            R"("z":{"dtype":"U8","shape":[3],"data_offsets":[24,27]}})";
    QCOMPARE(json.size(), 321);
    const QByteArray header = json + QByteArray(7, ' ');
    const QByteArray expectedFile = rawFile(header, eBytes + aBytes + bBytes + mBytes + zBytes);

    std::vector<WriteTensor> sorted = tensors;
    QCOMPARE(headerOf(tensors, options), header);
    Result<std::string> built = buildHeader(sorted, options);
    QVERIFY(built.ok());
    QStringList order;
    for (const WriteTensor& t : sorted)
        order << toQString(t.name);
    QCOMPARE(order, QStringList({QStringLiteral("e"), QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("m"),
                                 QStringLiteral("z")}));

    const QString path = dir.filePath(QStringLiteral("layout.safetensors"));
    QVERIFY(writeSafetensors(path, tensors, options).ok());
    QCOMPARE(readAll(path), expectedFile);
}

void TestWriter::metadataStates_data()
{
    QTest::addColumn<int>("state");
    QTest::addColumn<QStringList>("entries"); // key, value, key, value, ...
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("stateReadBack");

    const QByteArray tensor = R"("w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
    QTest::newRow("absent") << int(MetadataState::Absent) << QStringList() << '{' + tensor + '}'
                            << int(MetadataState::Absent);
    // null means "no metadata" to every reader; the reference never writes it, so neither do we.
    QTest::newRow("null not written") << int(MetadataState::Null) << QStringList() << '{' + tensor + '}'
                                      << int(MetadataState::Absent);
    QTest::newRow("empty object") << int(MetadataState::Object) << QStringList()
                                  << R"({"__metadata__":{},)" + tensor + '}' << int(MetadataState::Object);
    QTest::newRow("order kept") << int(MetadataState::Object)
                                << QStringList({QStringLiteral("format"), QStringLiteral("pt"), QStringLiteral("b"),
                                                QStringLiteral("2"), QStringLiteral("a"), QStringLiteral("1")})
                                << R"({"__metadata__":{"format":"pt","b":"2","a":"1"},)" + tensor + '}'
                                << int(MetadataState::Object);
}

void TestWriter::metadataStates()
{
    QFETCH(int, state);
    QFETCH(QStringList, entries);
    QFETCH(QByteArray, json);
    QFETCH(int, stateReadBack);

    WriteOptions options;
    options.metadataState = static_cast<MetadataState>(state);
    for (qsizetype i = 0; i + 1 < entries.size(); i += 2)
        options.metadata.push_back({entries[i].toStdString(), entries[i + 1].toStdString()});
    const std::vector<WriteTensor> tensors{m_payloads.tensor("w", DType::U8, {1})};
    QCOMPARE(headerOf(tensors, options), padded(json));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.safetensors"));
    QVERIFY(writeSafetensors(path, tensors, options).ok());
    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(file.ok());
    const Header& header = (*file)->header();
    QCOMPARE(int(header.metadataState), stateReadBack);
    QCOMPARE(header.metadata.size(), options.metadata.size());
    for (size_t i = 0; i < options.metadata.size(); ++i) {
        QCOMPARE(header.metadata[i].key, options.metadata[i].key);
        QCOMPARE(header.metadata[i].value, options.metadata[i].value);
    }
}

void TestWriter::escaping_data()
{
    QTest::addColumn<std::string>("name");
    QTest::addColumn<QByteArray>("escaped"); // as serde_json writes it, quotes included

    QTest::newRow("quote") << std::string("a\"b") << QByteArray(R"("a\"b")");
    QTest::newRow("backslash") << std::string("a\\b") << QByteArray(R"("a\\b")");
    QTest::newRow("newline") << std::string("a\nb") << QByteArray(R"("a\nb")");
    QTest::newRow("short escapes") << std::string("\t\r\b\f") << QByteArray(R"("\t\r\b\f")");
    QTest::newRow("NUL") << std::string("a\0b", 3) << QByteArray(R"("a\u0000b")");
    QTest::newRow("other controls lowercase hex")
        << std::string("\x01\x1f\x0b") << QByteArray(R"("\u0001\u001f\u000b")");
    QTest::newRow("DEL raw") << std::string("a\x7f") << QByteArray("\"a\x7f\"");
    QTest::newRow("non-ASCII raw") << std::string("h\xc3\xa9\xe2\x86\x92\xf0\x9f\x98\x80")
                                   << QByteArray("\"h\xc3\xa9\xe2\x86\x92\xf0\x9f\x98\x80\"");
    QTest::newRow("slash and angle brackets raw") << std::string("a/b<c>") << QByteArray(R"("a/b<c>")");
    QTest::newRow("looks like metadata") << std::string("__metadata__ ") << QByteArray(R"("__metadata__ ")");
    QTest::newRow("empty") << std::string() << QByteArray(R"("")");
}

void TestWriter::escaping()
{
    QFETCH(std::string, name);
    QFETCH(QByteArray, escaped);

    // As a tensor name.
    const std::vector<WriteTensor> tensors{m_payloads.tensor(name, DType::U8, {1})};
    QCOMPARE(headerOf(tensors), padded('{' + escaped + R"(:{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})"));

    // As a metadata key and value, and read back through the strict parser.
    WriteOptions options;
    options.metadataState = MetadataState::Object;
    options.metadata = {{name, name}};
    QCOMPARE(headerOf(tensors, options), padded(R"({"__metadata__":{)" + escaped + ':' + escaped + "}," + escaped +
                                                R"(:{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})"));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("e.safetensors"));
    QVERIFY(writeSafetensors(path, tensors, options).ok());
    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error().describe()));
    QCOMPARE((*file)->header().tensors.at(0).name, name);
    QCOMPARE((*file)->header().metadata.at(0).key, name);
    QCOMPARE((*file)->header().metadata.at(0).value, name);
}

void TestWriter::padding_data()
{
    QTest::addColumn<int>("nameLength");
    QTest::addColumn<quint64>("reserve");
    QTest::addColumn<quint64>("expectedLength");

    // {"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}} is 52 bytes; each name byte adds one.
    for (int extra = 0; extra < 8; ++extra) {
        const quint64 json = 52 + static_cast<quint64>(extra);
        QTest::addRow("json %llu", json) << extra << quint64(0) << (json + 7) / 8 * 8;
    }
    QTest::newRow("reserve 1 -> 8") << 4 << quint64(1) << quint64(56 + 8);
    QTest::newRow("reserve 8 -> 8") << 4 << quint64(8) << quint64(56 + 8);
    QTest::newRow("reserve 9 -> 16") << 4 << quint64(9) << quint64(56 + 16);
    QTest::newRow("reserve 4096") << 5 << quint64(4096) << quint64(64 + 4096);
}

void TestWriter::padding()
{
    QFETCH(int, nameLength);
    QFETCH(quint64, reserve);
    QFETCH(quint64, expectedLength);

    WriteOptions options;
    options.reserveBytes = reserve;
    const std::vector<WriteTensor> tensors{
        m_payloads.tensor(std::string(static_cast<size_t>(nameLength), 'n'), DType::U8, {1})};
    const QByteArray header = headerOf(tensors, options);
    QCOMPARE(quint64(header.size()), expectedLength);
    const qsizetype close = header.lastIndexOf('}');
    QCOMPARE(close, 52 + nameLength - 1);
    QCOMPARE(header.mid(close + 1), QByteArray(header.size() - close - 1, ' '));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p.safetensors"));
    QVERIFY(writeSafetensors(path, tensors, options).ok());
    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(file.ok());
    QCOMPARE((*file)->header().headerLength, expectedLength);
    QCOMPARE((*file)->header().dataStart % 8, 0u);
}

void TestWriter::headerTooLarge()
{
    WriteOptions options;
    const std::vector<WriteTensor> small{m_payloads.tensor("w", DType::U8, {1})};
    const auto smallLength = static_cast<uint64_t>(headerOf(small).size());
    QCOMPARE(smallLength, 56u);

    // Exactly 100,000,000 is allowed (the reference's limit is inclusive).
    options.reserveBytes = kMaxHeaderLength - smallLength;
    std::vector<WriteTensor> tensors = small;
    Result<std::string> atLimit = buildHeader(tensors, options);
    QVERIFY(atLimit.ok());
    QCOMPARE(atLimit->size(), size_t(kMaxHeaderLength));

    // One more reserved byte rounds up to 8 more: refused.
    options.reserveBytes += 1;
    Result<std::string> over = buildHeader(tensors, options);
    QVERIFY(!over.ok());
    QCOMPARE(over.error().kind, ErrorKind::HeaderTooLarge);

    // An absurd reserve must not overflow into a small number.
    options.reserveBytes = kU64Max;
    Result<std::string> absurd = buildHeader(tensors, options);
    QVERIFY(!absurd.ok());
    QCOMPARE(absurd.error().kind, ErrorKind::HeaderTooLarge);

    // The JSON itself too long: one name of 100,000,000 bytes (the header text is never built).
    options.reserveBytes = 0;
    std::vector<WriteTensor> huge{{std::string(kMaxHeaderLength, 'x'), DType::U8, {0}, nullptr}};
    Result<std::string> tooLong = buildHeader(huge, options);
    QVERIFY(!tooLong.ok());
    QCOMPARE(tooLong.error().kind, ErrorKind::HeaderTooLarge);
    QVERIFY(tooLong.error().message.contains(QStringLiteral("100,000,000")));

    // And writeSafetensors refuses before creating anything.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.safetensors"));
    const Status written = writeSafetensors(path, std::move(huge), options);
    QVERIFY(!written.ok());
    QCOMPARE(written.error().kind, ErrorKind::HeaderTooLarge);
    QCOMPARE(written.error().path, path);
    QVERIFY(dirEntries(dir.path()).isEmpty());
}

void TestWriter::invalidInputs_data()
{
    QTest::addColumn<WriteCase>("input");
    QTest::addColumn<QString>("blamedTensor"); // empty when no single tensor is to blame

    const auto one = [](std::string name, DType dtype, std::vector<uint64_t> shape) {
        return WriteTensor{std::move(name), dtype, std::move(shape), nullptr};
    };
    const WriteTensor ok = one("ok", DType::U8, {0});

    QTest::newRow("duplicate name, same dtype")
        << WriteCase{{one("w", DType::F32, {0}), ok, one("w", DType::F32, {0})}, {}} << QStringLiteral("w");
    QTest::newRow("duplicate name, different dtype")
        << WriteCase{{one("w", DType::F32, {0}), ok, one("w", DType::I8, {0})}, {}} << QStringLiteral("w");
    QTest::newRow("Unknown dtype") << WriteCase{{ok, one("u", DType::Unknown, {0})}, {}} << QStringLiteral("u");
    QTest::newRow("out-of-range dtype") << WriteCase{{one("r", static_cast<DType>(99), {0})}, {}}
                                        << QStringLiteral("r");
    QTest::newRow("F4 odd count") << WriteCase{{one("f4", DType::F4, {3})}, {}} << QStringLiteral("f4");
    QTest::newRow("F4 0-rank") << WriteCase{{one("f4", DType::F4, {})}, {}} << QStringLiteral("f4");
    QTest::newRow("F6_E2M3 count 6") << WriteCase{{one("f6", DType::F6_E2M3, {2, 3})}, {}} << QStringLiteral("f6");
    QTest::newRow("F6_E3M2 count 2") << WriteCase{{one("f6", DType::F6_E3M2, {2})}, {}} << QStringLiteral("f6");
    QTest::newRow("element count overflows")
        << WriteCase{{one("o", DType::U8, {1ULL << 63, 4})}, {}} << QStringLiteral("o");
    // The reader does not short-circuit on a zero dim, so neither may the writer.
    QTest::newRow("overflow before zero dim")
        << WriteCase{{one("o", DType::U8, {kU64Max, 2, 0})}, {}} << QStringLiteral("o");
    QTest::newRow("bit count overflows") << WriteCase{{one("o", DType::U64, {1ULL << 58})}, {}} << QStringLiteral("o");
    std::vector<WriteTensor> many;
    for (int i = 0; i < 16; ++i)
        many.push_back(one("big" + std::to_string(10 + i), DType::I8, {1ULL << 60}));
    QTest::newRow("data offsets overflow") << WriteCase{many, {}} << QStringLiteral("big25");
    QTest::newRow("reserved name") << WriteCase{{one("__metadata__", DType::U8, {0})}, {}}
                                   << QStringLiteral("__metadata__");
    QTest::newRow("name not UTF-8") << WriteCase{{one("a\xff", DType::U8, {0})}, {}} << QString();

    WriteOptions duplicateKeys;
    duplicateKeys.metadataState = MetadataState::Object;
    duplicateKeys.metadata = {{"format", "pt"}, {"k", "1"}, {"format", "tf"}};
    QTest::newRow("duplicate metadata key") << WriteCase{{ok}, duplicateKeys} << QString();
    WriteOptions badValue;
    badValue.metadataState = MetadataState::Object;
    badValue.metadata = {{"k", "\xc0\xaf"}};
    QTest::newRow("metadata value not UTF-8") << WriteCase{{ok}, badValue} << QString();
    WriteOptions lost;
    lost.metadataState = MetadataState::Null;
    lost.metadata = {{"format", "pt"}};
    QTest::newRow("entries without Object state") << WriteCase{{ok}, lost} << QString();
}

void TestWriter::invalidInputs()
{
    QFETCH(WriteCase, input);
    QFETCH(QString, blamedTensor);

    std::vector<WriteTensor> tensors = input.tensors;
    Result<std::string> header = buildHeader(tensors, input.options);
    QVERIFY(!header.ok());
    QCOMPARE(errorKindName(header.error().kind), "InvalidArgument");
    QVERIFY(!header.error().message.isEmpty());
    if (!blamedTensor.isEmpty()) {
        QCOMPARE(header.error().tensor.value_or(QString()), blamedTensor);
        QVERIFY2(header.error().message.contains(blamedTensor), qPrintable(header.error().message));
    }

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.safetensors"));
    const Status status = writeSafetensors(path, input.tensors, input.options);
    QVERIFY(!status.ok());
    QCOMPARE(status.error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(status.error().path, path);
    QVERIFY(dirEntries(dir.path()).isEmpty());
}

void TestWriter::nullDataRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("null.safetensors"));
    // A zero-size tensor needs no data; a non-empty one does.
    QVERIFY(writeSafetensors(path, {{"empty", DType::F32, {0}, nullptr}}, {}).ok());
    QVERIFY(QFile::remove(path));
    const Status status = writeSafetensors(path, {{"w", DType::F32, {2}, nullptr}}, {});
    QVERIFY(!status.ok());
    QCOMPARE(status.error().kind, ErrorKind::InvalidArgument);
    QCOMPARE(status.error().tensor.value_or(QString()), QStringLiteral("w"));
    QVERIFY(dirEntries(dir.path()).isEmpty());
}

void TestWriter::progressReportsWholeFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("progress.safetensors"));
    // 20 MiB: more than two copy blocks, so there are reports between start and end.
    const std::vector<WriteTensor> tensors{m_payloads.tensor("big", DType::U8, {20u << 20}),
                                           m_payloads.tensor("small", DType::F32, {3})};
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    WriteOptions options;
    options.progress = [&](uint64_t done, uint64_t total) {
        calls.emplace_back(done, total);
        return true;
    };
    QVERIFY(writeSafetensors(path, tensors, options).ok());
    const auto fileSize = static_cast<uint64_t>(QFileInfo(path).size());
    QVERIFY(calls.size() >= 4);
    QCOMPARE(calls.front().first, 0u);
    QCOMPARE(calls.back().first, fileSize);
    for (size_t i = 0; i < calls.size(); ++i) {
        QCOMPARE(calls[i].second, fileSize);
        if (i > 0)
            QVERIFY(calls[i].first >= calls[i - 1].first);
    }
    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(file.ok());
    // F32 sorts before U8: the big tensor is second in the file.
    QCOMPARE((*file)->header().tensors.at(1).name, std::string("big"));
    QCOMPARE(bytesOf(**file, (*file)->header().tensors.at(1)), bytesOf(tensors.front()));
}

void TestWriter::cancel_data()
{
    QTest::addColumn<int>("cancelAtCall"); // 0-based index of the progress call that returns false
    QTest::addColumn<bool>("preexisting");

    QTest::newRow("at start") << 0 << false;
    QTest::newRow("mid-copy") << 1 << false;
    QTest::newRow("mid-copy, old file kept") << 2 << true;
    QTest::newRow("after the last byte") << -1 << true; // -1: the final call, with done == total
}

void TestWriter::cancel()
{
    QFETCH(int, cancelAtCall);
    QFETCH(bool, preexisting);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("c.safetensors"));
    const QByteArray old = "previous contents";
    if (preexisting)
        writeFile(dir, QStringLiteral("c.safetensors"), old);

    const std::vector<WriteTensor> tensors{m_payloads.tensor("big", DType::U8, {20u << 20})};
    int calls = 0;
    WriteOptions options;
    options.progress = [&](uint64_t done, uint64_t total) {
        const int call = calls++;
        return cancelAtCall < 0 ? done != total : call != cancelAtCall;
    };
    const Status status = writeSafetensors(path, tensors, options);
    QVERIFY(!status.ok());
    QCOMPARE(status.error().kind, ErrorKind::Cancelled);
    QCOMPARE(status.error().path, path);
    if (cancelAtCall >= 0)
        QCOMPARE(calls, cancelAtCall + 1); // stops at once, no further reports
    // No temp file left behind, and the old file untouched.
    QCOMPARE(dirEntries(dir.path()), preexisting ? QStringList{QStringLiteral("c.safetensors")} : QStringList{});
    if (preexisting)
        QCOMPARE(readAll(path), old);
}

void TestWriter::missingDirectory()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missing/sub/out.safetensors"));
    const Status status = writeSafetensors(path, {m_payloads.tensor("w", DType::F32, {2})}, {});
    QVERIFY(!status.ok());
    QCOMPARE(status.error().kind, ErrorKind::IoError);
    QCOMPARE(status.error().path, path);
    QVERIFY2(status.error().message.contains(path), qPrintable(status.error().message));
    // The message ends with the operating system's reason, after the path.
    QVERIFY2(status.error().message.size() > status.error().message.indexOf(path) + path.size() + 3,
             qPrintable(status.error().message));
    QVERIFY(dirEntries(dir.path()).isEmpty());
}

void TestWriter::replacesMappedFileAtomically()
{
    // The reference once truncated a file that was still mapped and lost its data: a rewrite must leave
    // existing mappings reading the old bytes.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.safetensors"));
    const WriteTensor first = m_payloads.tensor("w", DType::F32, {1024}, 11);
    QVERIFY(writeSafetensors(path, {first}, {}).ok());
    const auto before = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(before.ok());

    // Rewrite from the mapping itself (the metadata-editing case), with new metadata and a reserve.
    const TensorInfo& info = (*before)->header().tensors.at(0);
    WriteOptions options;
    options.metadataState = MetadataState::Object;
    options.metadata = {{"format", "pt"}};
    options.reserveBytes = 1024;
    QVERIFY(
        writeSafetensors(
            path,
            {{std::string(info.name), info.dtype, {info.shape.begin(), info.shape.end()}, (*before)->tensorData(info)}},
            options)
            .ok());
    QCOMPARE(bytesOf(**before, info), bytesOf(first));

    const auto after = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY(after.ok());
    QCOMPARE((*after)->header().metadata.at(0).value, std::string("pt"));
    QCOMPARE(bytesOf(**after, (*after)->header().tensors.at(0)), bytesOf(first));
    QCOMPARE(dirEntries(dir.path()), QStringList{QStringLiteral("a.safetensors")});
}

void TestWriter::demoCheckpoint()
{
    const QString path = QStringLiteral(SAFESCOPE_DEMO_CHECKPOINT);
    const auto file = SafetensorsFile::open(path, OpenMode::Strict);
    QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error().describe()));
    const Header& header = (*file)->header();

    QCOMPARE(header.metadataState, MetadataState::Object);
    QVERIFY(header.metadata.size() >= 4);
    QCOMPARE(header.metadata[0].key, std::string("format"));
    QCOMPARE(header.metadata[0].value, std::string("pt"));
    QCOMPARE(header.metadata[1].key, std::string("modelspec.title"));
    QCOMPARE(header.metadata[2].value, std::string("llama"));
    QCOMPARE(header.metadata[3].key, std::string("training_info"));
    const QJsonDocument info = QJsonDocument::fromJson(QByteArray::fromStdString(header.metadata[3].value));
    QVERIFY(info.isObject());
    QCOMPARE(info.object().value(QStringLiteral("steps")).toInt(), 1200);
    if (header.metadata.size() > 4) {
        QCOMPARE(header.metadata[4].key, std::string("modelspec.thumbnail"));
        const std::string& uri = header.metadata[4].value;
        const std::string prefix = "data:image/png;base64,";
        QVERIFY(uri.starts_with(prefix));
        const QByteArray png = QByteArray::fromBase64(QByteArray::fromStdString(uri.substr(prefix.size())));
        QVERIFY(png.startsWith("\x89PNG\r\n\x1a\n"));
    }

    // embed + 4 layers x (4 attention + 3 MLP + 2 norms) + norm + lm_head + inv_freq + 3 integer buffers.
    QCOMPARE(header.tensors.size(), size_t(1 + 4 * 9 + 1 + 1 + 1 + 3));
    QCOMPARE(header.layout, WriterLayout::ReferenceDtypeOrder);
    std::set<DType> dtypes;
    std::map<std::string, const TensorInfo*> byName;
    for (const TensorInfo& t : header.tensors) {
        dtypes.insert(t.dtype);
        byName[std::string(t.name)] = &t;
    }
    QCOMPARE(dtypes, (std::set<DType>{DType::BF16, DType::F32, DType::I64}));

    const auto tensor = [&](const std::string& name) -> const TensorInfo& { return *byName.at(name); };
    QVERIFY(byName.count("model.embed_tokens.weight"));
    QCOMPARE(dimsOf(tensor("model.embed_tokens.weight").shape), (std::vector<uint64_t>{4096, 256}));
    QCOMPARE(tensor("lm_head.weight").dtype, DType::BF16);
    QCOMPARE(dimsOf(tensor("model.layers.3.mlp.down_proj.weight").shape), (std::vector<uint64_t>{256, 688}));
    QCOMPARE(tensor("model.layers.1.input_layernorm.weight").dtype, DType::F32);

    // The values look like a trained model: init-scale weights, norms near 1, positions 0..511.
    const auto bf16Stats = [&](const TensorInfo& t) {
        double sumSquares = 0, maxAbs = 0;
        const unsigned char* data = (*file)->tensorData(t);
        for (uint64_t i = 0; i < t.elementCount; ++i) {
            const double v = bf16ToFloat(data + 2 * i);
            sumSquares += v * v;
            maxAbs = std::max(maxAbs, std::abs(v));
        }
        return std::pair{std::sqrt(sumSquares / static_cast<double>(t.elementCount)), maxAbs};
    };
    const auto [embedStd, embedMax] = bf16Stats(tensor("model.embed_tokens.weight"));
    QVERIFY2(embedStd > 0.019 && embedStd < 0.021, qPrintable(QString::number(embedStd)));
    QVERIFY(embedMax < 0.2);
    QVERIFY2(bf16Stats(tensor("model.layers.2.mlp.down_proj.weight")).second > 1.0, "layer 2 has no outliers");
    QVERIFY(bf16Stats(tensor("model.layers.1.mlp.down_proj.weight")).second < 0.2);

    const TensorInfo& norm = tensor("model.norm.weight");
    double normSum = 0;
    for (uint64_t i = 0; i < norm.elementCount; ++i)
        normSum += f32At((*file)->tensorData(norm) + 4 * i);
    QVERIFY(std::abs(normSum / 256.0 - 1.0) < 0.05);

    const TensorInfo& positions = tensor("model.position_ids");
    QCOMPARE(positions.dtype, DType::I64);
    QCOMPARE(dimsOf(positions.shape), (std::vector<uint64_t>{1, 512}));
    for (uint64_t i = 0; i < 512; ++i)
        QCOMPARE(i64At((*file)->tensorData(positions) + 8 * i), static_cast<int64_t>(i));
    QCOMPARE(dimsOf(tensor("model.layers.0.self_attn.rotary_emb.inv_freq").shape), (std::vector<uint64_t>{128}));
    QCOMPARE(f32At((*file)->tensorData(tensor("model.layers.0.self_attn.rotary_emb.inv_freq"))), 1.0F);
}

QTEST_GUILESS_MAIN(TestWriter)
#include "tst_writer.moc"
