// The strict header rules of SPEC.md section 2, one _data() row per rule, plus lenient mode and sniffing.
#include "core/format/headerparser.h"
#include "core/format/safetensorsfile.h"
#include "support/fixtures.h"

#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr uint64_t kU64Max = ~0ULL;

const char* kindOf(const QByteArray& file, OpenMode mode = OpenMode::Strict)
{
    const auto* bytes = reinterpret_cast<const unsigned char*>(file.constData());
    const auto size = static_cast<uint64_t>(file.size());
    const auto result = parseHeader(bytes, size, size, mode, QStringLiteral("fixture.safetensors"));
    return result ? "ok" : errorKindName(result.error().kind);
}

Result<Header> parse(const QByteArray& file, OpenMode mode = OpenMode::Strict)
{
    const auto* bytes = reinterpret_cast<const unsigned char*>(file.constData());
    const auto size = static_cast<uint64_t>(file.size());
    return parseHeader(bytes, size, size, mode, QStringLiteral("fixture.safetensors"));
}

QByteArray one(const QByteArray& dtype, const std::vector<uint64_t>& shape, uint64_t begin, uint64_t end)
{
    return '{' + tensorJson("w", dtype, shape, begin, end) + '}';
}

QByteArray nested(int depth)
{
    // depth containers in total, counting the top-level object.
    return "{\"x\":" + QByteArray(depth - 1, '[') + QByteArray(depth - 1, ']') + '}';
}

} // namespace

class TestHeaderParser final : public QObject
{
    Q_OBJECT

private slots:
    void rules_data();
    void rules();
    void parsesFacts();
    void stringScanAtEveryOffset();
    void metadataRules();
    void lenientMode();
    void errorsNameTensorAndOffset();
    void sniffsOtherFormats_data();
    void sniffsOtherFormats();
    void openReadsHeadersOfEverySize();
    void writerLayout_data();
    void writerLayout();
};

void TestHeaderParser::rules_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("kind");
    const QByteArray f4 = QByteArray(4, '\0');

    // 1-3: lengths
    QTest::newRow("empty file") << QByteArray() << "HeaderTooSmall";
    QTest::newRow("7 bytes") << QByteArray(7, 'x') << "HeaderTooSmall";
    QTest::newRow("N above 100,000,000") << rawFileWithLength(100'000'001, "{}") << "HeaderTooLarge";
    QTest::newRow("N = u64 max") << rawFileWithLength(kU64Max, "{}") << "HeaderTooLarge";
    QTest::newRow("N exactly 100,000,000 but file short")
        << rawFileWithLength(100'000'000, "{}") << "InvalidHeaderLength";
    QTest::newRow("N past end") << rawFileWithLength(3, "{}") << "InvalidHeaderLength";
    QTest::newRow("N = 0") << rawFile("") << "InvalidHeaderDeserialization";
    // 4: UTF-8
    QTest::newRow("invalid utf8 byte") << rawFile("{\"\xff\":1}") << "InvalidHeader";
    QTest::newRow("overlong slash") << rawFile("{\"\xc0\xaf\":{}}") << "InvalidHeader";
    QTest::newRow("surrogate") << rawFile("{\"\xed\xa0\x80\":{}}") << "InvalidHeader";
    QTest::newRow("above U+10FFFF") << rawFile("{\"\xf4\x90\x80\x80\":{}}") << "InvalidHeader";
    QTest::newRow("truncated sequence") << rawFile("{\"\xe2\x82\":{}}") << "InvalidHeader";
    QTest::newRow("invalid utf8 in padding") << rawFile("{}  \xfe") << "InvalidHeader";
    QTest::newRow("valid non-ascii name")
        << rawFile('{' + tensorJson("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "F32", {1}, 0, 4) + '}', f4) << "ok";
    // 5: JSON syntax and whitespace
    QTest::newRow("empty object") << rawFile("{}") << "ok";
    QTest::newRow("leading whitespace") << rawFile(" \t\r\n{}") << "ok";
    QTest::newRow("trailing spaces") << rawFile("{}      ") << "ok";
    QTest::newRow("NUL padding") << rawFile(QByteArray("{}\0\0", 4)) << "InvalidHeaderDeserialization";
    QTest::newRow("form feed") << rawFile("{}\f") << "InvalidHeaderDeserialization";
    QTest::newRow("vertical tab") << rawFile("\v{}") << "InvalidHeaderDeserialization";
    QTest::newRow("NBSP padding") << rawFile("{}\xc2\xa0") << "InvalidHeaderDeserialization";
    QTest::newRow("BOM") << rawFile("\xef\xbb\xbf{}") << "InvalidHeaderDeserialization";
    QTest::newRow("top level array") << rawFile("[]") << "InvalidHeaderDeserialization";
    QTest::newRow("top level string") << rawFile("\"x\"") << "InvalidHeaderDeserialization";
    QTest::newRow("two values") << rawFile("{}{}") << "InvalidHeaderDeserialization";
    QTest::newRow("comment") << rawFile("{/*c*/}") << "InvalidHeaderDeserialization";
    QTest::newRow("trailing comma") << rawFile("{\"__metadata__\":{\"a\":\"b\"},}") << "InvalidHeaderDeserialization";
    QTest::newRow("single quotes") << rawFile("{'a':'b'}") << "InvalidHeaderDeserialization";
    QTest::newRow("raw control char") << rawFile("{\"__metadata__\":{\"a\":\"b\tc\"}}")
                                      << "InvalidHeaderDeserialization";
    QTest::newRow("lone surrogate escape")
        << rawFile("{\"__metadata__\":{\"a\":\"\\ud800\"}}") << "InvalidHeaderDeserialization";
    QTest::newRow("NaN literal") << rawFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,0]}}")
                                 << "InvalidHeaderDeserialization";
    QTest::newRow("unterminated") << rawFile("{\"a\":") << "InvalidHeaderDeserialization";
    QTest::newRow("depth 127 in ignored field")
        << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":" + QByteArray(125, '[') +
                       QByteArray(125, ']') + "}}",
                   f4)
        << "ok";
    QTest::newRow("depth 128 in ignored field")
        << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":" + QByteArray(126, '[') +
                       QByteArray(126, ']') + "}}",
                   f4)
        << "InvalidHeaderDeserialization";
    QTest::newRow("depth 128 as tensor value") << rawFile(nested(128)) << "InvalidHeaderDeserialization";
    // 5: __metadata__
    QTest::newRow("metadata null") << rawFile("{\"__metadata__\":null}") << "ok";
    QTest::newRow("metadata strings") << rawFile("{\"__metadata__\":{\"format\":\"pt\",\"x\":\"{\\\"a\\\":1}\"}}")
                                      << "ok";
    QTest::newRow("metadata number value") << rawFile("{\"__metadata__\":{\"a\":1}}") << "InvalidHeaderDeserialization";
    QTest::newRow("metadata bool value") << rawFile("{\"__metadata__\":{\"a\":true}}")
                                         << "InvalidHeaderDeserialization";
    QTest::newRow("metadata null value") << rawFile("{\"__metadata__\":{\"a\":null}}")
                                         << "InvalidHeaderDeserialization";
    QTest::newRow("metadata object value")
        << rawFile("{\"__metadata__\":{\"a\":{}}}") << "InvalidHeaderDeserialization";
    QTest::newRow("metadata array value") << rawFile("{\"__metadata__\":{\"a\":[]}}") << "InvalidHeaderDeserialization";
    QTest::newRow("metadata is a string") << rawFile("{\"__metadata__\":\"x\"}") << "InvalidHeaderDeserialization";
    QTest::newRow("metadata is an array") << rawFile("{\"__metadata__\":[]}") << "InvalidHeaderDeserialization";
    QTest::newRow("duplicate __metadata__")
        << rawFile("{\"__metadata__\":{},\"__metadata__\":{}}") << "InvalidHeaderDeserialization";
    QTest::newRow("duplicate key inside metadata") << rawFile("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}") << "ok";
    // 5: tensor entries
    QTest::newRow("tensor ok") << rawFile(one("F32", {1}, 0, 4), f4) << "ok";
    QTest::newRow("tensor fields in MLX order")
        << rawFile("{\"w\":{\"data_offsets\":[0,4],\"dtype\":\"F32\",\"shape\":[1]}}", f4) << "ok";
    QTest::newRow("extra field ignored")
        << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":{\"a\":[1,2]}}}", f4)
        << "ok";
    QTest::newRow("unknown dtype") << rawFile(one("F31", {1}, 0, 4), f4) << "InvalidHeaderDeserialization";
    QTest::newRow("dtype wrong case") << rawFile(one("f32", {1}, 0, 4), f4) << "InvalidHeaderDeserialization";
    QTest::newRow("missing dtype") << rawFile("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", f4)
                                   << "InvalidHeaderDeserialization";
    QTest::newRow("missing shape") << rawFile("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", f4)
                                   << "InvalidHeaderDeserialization";
    QTest::newRow("missing offsets") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", f4)
                                     << "InvalidHeaderDeserialization";
    QTest::newRow("field twice")
        << rawFile("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", f4)
        << "InvalidHeaderDeserialization";
    QTest::newRow("tensor not object") << rawFile("{\"w\":[1]}") << "InvalidHeaderDeserialization";
    QTest::newRow("tensor is null") << rawFile("{\"w\":null}") << "InvalidHeaderDeserialization";
    QTest::newRow("shape float 4.0") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}",
                                                f4)
                                     << "InvalidHeaderDeserialization";
    QTest::newRow("shape 4e0") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}", f4)
                               << "InvalidHeaderDeserialization";
    QTest::newRow("shape -0") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[-0],\"data_offsets\":[0,0]}}")
                              << "InvalidHeaderDeserialization";
    QTest::newRow("shape -1") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}")
                              << "InvalidHeaderDeserialization";
    QTest::newRow("shape 00") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[00],\"data_offsets\":[0,0]}}")
                              << "InvalidHeaderDeserialization";
    QTest::newRow("shape string") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"4\"],\"data_offsets\":[0,16]}}",
                                             QByteArray(16, 0))
                                  << "InvalidHeaderDeserialization";
    QTest::newRow("shape 2^64")
        << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[18446744073709551616],\"data_offsets\":[0,0]}}")
        << "InvalidHeaderDeserialization";
    QTest::newRow("shape not array") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", f4)
                                     << "InvalidHeaderDeserialization";
    QTest::newRow("shape nested") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", f4)
                                  << "InvalidHeaderDeserialization";
    QTest::newRow("offsets three") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}", f4)
                                   << "InvalidHeaderDeserialization";
    QTest::newRow("offsets one") << rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", f4)
                                 << "InvalidHeaderDeserialization";
    QTest::newRow("offsets 2^64-1 is an integer") << rawFile(one("F32", {0}, kU64Max, kU64Max)) << "InvalidOffset";
    QTest::newRow("duplicate tensor name")
        << rawFile('{' + tensorJson("w", "F32", {1}, 0, 4) + ',' + tensorJson("w", "F32", {1}, 4, 8) + '}',
                   QByteArray(8, 0))
        << "InvalidHeaderDeserialization";
    // 6: offsets and sizes
    QTest::newRow("first tensor not at 0") << rawFile(one("F32", {1}, 4, 8), QByteArray(8, 0)) << "InvalidOffset";
    QTest::newRow("end before begin") << rawFile(one("F32", {1}, 4, 0), f4) << "InvalidOffset";
    QTest::newRow("gap") << rawFile('{' + tensorJson("a", "F32", {1}, 0, 4) + ',' + tensorJson("b", "F32", {1}, 8, 12) +
                                        '}',
                                    QByteArray(12, 0))
                         << "InvalidOffset";
    QTest::newRow("overlap") << rawFile('{' + tensorJson("a", "F32", {2}, 0, 8) + ',' +
                                            tensorJson("b", "F32", {1}, 4, 8) + '}',
                                        QByteArray(8, 0))
                             << "InvalidOffset";
    QTest::newRow("unsorted keys are fine")
        << rawFile('{' + tensorJson("b", "F32", {1}, 4, 8) + ',' + tensorJson("a", "F32", {1}, 0, 4) + '}',
                   QByteArray(8, 0))
        << "ok";
    QTest::newRow("zero-size tensors share offset")
        << rawFile('{' + tensorJson("a", "F32", {0}, 0, 0) + ',' + tensorJson("b", "F32", {0, 3}, 0, 0) + ',' +
                       tensorJson("c", "U8", {1}, 0, 1) + '}',
                   QByteArray(1, 0))
        << "ok";
    QTest::newRow("0-rank tensor") << rawFile(one("F64", {}, 0, 8), QByteArray(8, 0)) << "ok";
    QTest::newRow("shape overflow") << rawFile(one("F32", {kU64Max, 2, 0}, 0, 0)) << "ValidationOverflow";
    QTest::newRow("zero then huge: no overflow") << rawFile(one("F32", {0, kU64Max}, 0, 0)) << "ok";
    QTest::newRow("bits overflow") << rawFile(one("F32", {1ULL << 62}, 0, 0)) << "ValidationOverflow";
    QTest::newRow("F4 odd count") << rawFile(one("F4", {3}, 0, 1), QByteArray(1, 0)) << "MisalignedSlice";
    QTest::newRow("F4 even count") << rawFile(one("F4", {4}, 0, 2), QByteArray(2, 0)) << "ok";
    QTest::newRow("F6 count 2") << rawFile(one("F6_E2M3", {2}, 0, 1), QByteArray(1, 0)) << "MisalignedSlice";
    QTest::newRow("F6 count 4") << rawFile(one("F6_E3M2", {4}, 0, 3), QByteArray(3, 0)) << "ok";
    QTest::newRow("size mismatch") << rawFile(one("F32", {2}, 0, 4), f4) << "TensorInvalidInfo";
    QTest::newRow("BF16 size ok") << rawFile(one("BF16", {2, 3}, 0, 12), QByteArray(12, 0)) << "ok";
    // 7: the buffer must end exactly where the tensors end
    QTest::newRow("trailing bytes") << rawFile(one("F32", {1}, 0, 4), QByteArray(5, 0)) << "MetadataIncompleteBuffer";
    QTest::newRow("missing bytes") << rawFile(one("F32", {1}, 0, 4), QByteArray(3, 0)) << "MetadataIncompleteBuffer";
    QTest::newRow("NUL inside") << rawFile(QByteArray("{\0}", 3)) << "InvalidHeaderDeserialization";
    QTest::newRow("data but no tensors") << rawFile("{}", QByteArray(1, 0)) << "MetadataIncompleteBuffer";
    QTest::newRow("tensor past end of file")
        << rawFile(one("U8", {4}, 0, 4), QByteArray(2, 0)) << "MetadataIncompleteBuffer";
}

void TestHeaderParser::rules()
{
    QFETCH(QByteArray, file);
    QFETCH(QString, kind);
    QCOMPARE(QString::fromLatin1(kindOf(file)), kind);
}

void TestHeaderParser::parsesFacts()
{
    const QByteArray json = "  {\"__metadata__\":{\"format\":\"pt\",\"b\":\"2\",\"a\":\"1\",\"b\":\"3\"}," +
                            tensorJson("x", "F32", {1}, 0, 4) + ',' + tensorJson("y", "BF16", {2, 3}, 4, 16) + "}   ";
    const auto header = parse(rawFile(json, QByteArray(16, 0)));
    QVERIFY(header.ok());
    QCOMPARE(header->headerLength, static_cast<uint64_t>(json.size()));
    QCOMPARE(header->leadingWhitespace, 2u);
    QCOMPARE(header->padding, 3u);
    QCOMPARE(header->dataStart, 8u + json.size());
    QCOMPARE(header->metadataState, MetadataState::Object);
    QCOMPARE(header->metadata.size(), 3u);
    QCOMPARE(header->metadata[0].key, std::string("format"));
    QCOMPARE(header->metadata[1].key, std::string("b"));
    QCOMPARE(header->metadata[1].value, std::string("3")); // last value wins, first position kept
    QCOMPARE(header->metadata[2].key, std::string("a"));
    QCOMPARE(header->tensors.size(), 2u);
    QCOMPARE(header->tensors[1].name, std::string("y"));
    QCOMPARE(header->tensors[1].dtype, DType::BF16);
    QCOMPARE(dimsOf(header->tensors[1].shape), (std::vector<uint64_t>{2, 3}));
    QCOMPARE(header->tensors[1].elementCount, 6u);
    QCOMPARE(header->tensors[1].begin, 4u);
    QCOMPARE(header->tensors[1].end, 16u);
    QCOMPARE(header->tensors[0].elementCount, 1u);
    QCOMPARE(header->layout, WriterLayout::ReferenceDtypeOrder);
}

// The string scanner reads 16 bytes at a time: a closing quote, an escape or a raw control character is found
// wherever it falls in a block (and in a tensor name, a metadata key or a value alike), and a string may end at the
// last byte of the header.
void TestHeaderParser::stringScanAtEveryOffset()
{
    for (int at = 0; at <= 40; ++at) {
        const QByteArray before(at, 'a');
        const QByteArray after(40 - at, 'b');
        const std::string plain = before.toStdString();
        const std::string quoted = QByteArray(before + '"' + after).toStdString();

        auto header = parse(rawFile("{\"__metadata__\":{\"" + before + "\":\"" + before + "\\\"" + after + "\"}}"));
        QVERIFY2(header.ok(), qPrintable(QString::number(at)));
        QCOMPARE(header->metadata.at(0).key, plain);
        QCOMPARE(header->metadata.at(0).value, quoted);

        header = parse(rawFile('{' + tensorJson(before + "\\n" + after, "F32", {1}, 0, 4) + '}', QByteArray(4, 0)));
        QVERIFY2(header.ok(), qPrintable(QString::number(at)));
        QCOMPARE(std::string(header->tensors.at(0).name), QByteArray(before + '\n' + after).toStdString());

        // The header's last byte closes the name's object: no padding after it, nothing to read past.
        header = parse(rawFile("{\"__metadata__\":{\"k\":\"" + before + "\"}}"));
        QVERIFY2(header.ok(), qPrintable(QString::number(at)));
        QCOMPARE(header->metadata.at(0).value, plain);

        for (const char control : {'\x01', '\t', '\x1f'}) {
            const QByteArray bad = "{\"__metadata__\":{\"k\":\"" + before + control + after + "\"}}";
            QCOMPARE(kindOf(rawFile(bad)), "InvalidHeaderDeserialization");
        }
        QCOMPARE(kindOf(rawFile("{\"__metadata__\":{\"k\":\"" + before)), "InvalidHeaderDeserialization");
    }
}

void TestHeaderParser::metadataRules()
{
    auto absent = parse(rawFile("{}"));
    QVERIFY(absent.ok());
    QCOMPARE(absent->metadataState, MetadataState::Absent);
    auto null = parse(rawFile("{\"__metadata__\":null}"));
    QVERIFY(null.ok());
    QCOMPARE(null->metadataState, MetadataState::Null);
    QVERIFY(null->metadata.empty());
    // Names may hold escaped NUL and slashes; they must come through exactly.
    auto odd = parse(rawFile('{' + tensorJson("a\\u0000b/<c>", "U8", {1}, 0, 1) + '}', QByteArray(1, 0)));
    QVERIFY(odd.ok());
    QCOMPARE(odd->tensors[0].name, std::string("a\0b/<c>", 7));
}

void TestHeaderParser::lenientMode()
{
    const QByteArray unknown = rawFile(one("F31", {1}, 0, 4), QByteArray(4, 0));
    QCOMPARE(QString::fromLatin1(kindOf(unknown, OpenMode::Lenient)), QStringLiteral("ok"));
    const auto header = parse(unknown, OpenMode::Lenient);
    QVERIFY(header.ok());
    QCOMPARE(header->tensors[0].dtype, DType::Unknown);
    QCOMPARE(header->tensors[0].unknownDType(), std::string_view("F31"));
    QCOMPARE(header->warnings.size(), 1u);
    QCOMPARE(header->warnings[0].code, QStringLiteral("UnknownDType"));
    QCOMPARE(header->warnings[0].tensor, QStringLiteral("w"));

    const QByteArray duplicate = rawFile(
        '{' + tensorJson("w", "F32", {1}, 0, 4) + ',' + tensorJson("w", "F32", {1}, 4, 8) + '}', QByteArray(8, 0));
    const auto dup = parse(duplicate, OpenMode::Lenient);
    QVERIFY(dup.ok());
    QCOMPARE(dup->tensors.size(), 2u);
    QCOMPARE(dup->warnings.size(), 1u);
    QCOMPARE(dup->warnings[0].code, QStringLiteral("DuplicateTensor"));
    // Lenient mode does not relax the other rules.
    QCOMPARE(QString::fromLatin1(kindOf(rawFile(one("F32", {2}, 0, 4), QByteArray(4, 0)), OpenMode::Lenient)),
             QStringLiteral("TensorInvalidInfo"));
}

void TestHeaderParser::errorsNameTensorAndOffset()
{
    const QByteArray json =
        '{' + tensorJson("a", "F32", {1}, 0, 4) + ',' + tensorJson("layer.7.w", "F32", {1}, 8, 12) + '}';
    const auto gap = parse(rawFile(json, QByteArray(12, 0)));
    QVERIFY(!gap.ok());
    QCOMPARE(gap.error().kind, ErrorKind::InvalidOffset);
    QCOMPARE(gap.error().tensor.value_or(QString()), QStringLiteral("layer.7.w"));
    QVERIFY(gap.error().message.contains(QStringLiteral("layer.7.w")));
    QVERIFY(gap.error().message.contains(QStringLiteral("gap")));
    QCOMPARE(gap.error().path, QStringLiteral("fixture.safetensors"));
    QVERIFY(gap.error().offset.has_value());

    const auto syntax = parse(rawFile("{\"a\" 1}"));
    QVERIFY(!syntax.ok());
    QCOMPARE(syntax.error().offset.value_or(0), 8u + 5u);
    QVERIFY(syntax.error().message.contains(QStringLiteral("offset 13")));

    const auto utf8 = parse(rawFile("{\"ab\xff\":1}"));
    QCOMPARE(utf8.error().offset.value_or(0), 8u + 4u);

    const auto missing = parse(rawFile("{\"enc.w\":{\"dtype\":\"F32\",\"shape\":[1]}}", QByteArray(4, 0)));
    QCOMPARE(missing.error().tensor.value_or(QString()), QStringLiteral("enc.w"));
    QVERIFY(missing.error().message.contains(QStringLiteral("data_offsets")));
}

void TestHeaderParser::sniffsOtherFormats_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("lfs") << QByteArray("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 4970000000\n")
                         << "Git LFS pointer"
                         << "of 4.63 GiB (4,970,000,000 bytes)";
    QTest::newRow("zip") << QByteArray("PK\x03\x04\x14\x00\x00\x00\x08\x00rest") << "zip archive"
                         << "torch.save";
    QTest::newRow("pickle") << QByteArray("\x80\x02\x8a\x0alots of bytes") << "Python pickle"
                            << "protocol 2";
    QTest::newRow("gguf") << QByteArray("GGUF\x03\x00\x00\x00\x00\x00\x00\x00") << "GGUF file"
                          << "llama.cpp";
    QTest::newRow("html") << QByteArray("<!DOCTYPE html><html><body>404</body></html>") << "HTML page"
                          << "HTML";
    QTest::newRow("empty") << QByteArray() << "empty file"
                           << "empty";
    QTest::newRow("text") << QByteArray("Internal Server Error\n") << "text file"
                          << "Internal Server";
}

void TestHeaderParser::sniffsOtherFormats()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, format);
    QFETCH(QString, phrase);
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("model.safetensors"), bytes);
    const auto file = SafetensorsFile::open(path);
    QVERIFY(!file.ok());
    QCOMPARE(file.error().detectedFormat, format);
    QVERIFY2(file.error().message.contains(phrase), qPrintable(file.error().message));
    QVERIFY(file.error().describe().contains(path));
}

// SafetensorsFile::open reads a header of up to 1 MiB into a buffer its thread reuses (64 KiB first, then the rest)
// and parses a larger one in the mapping. Every size around those edges gives what parsing the whole file gives, and
// what a header says outlives the next open's use of the buffer.
void TestHeaderParser::openReadsHeadersOfEverySize()
{
    QTemporaryDir dir;
    const uint64_t kib64 = 64 * 1024, mib = 1024 * 1024;
    const std::vector<uint64_t> totals = {200, kib64 - 1, kib64, kib64 + 1, kib64 + 8, mib, mib + 8, mib + 9, 2 * mib};
    std::vector<std::shared_ptr<const SafetensorsFile>> opened;
    std::vector<QByteArray> images;
    for (size_t i = 0; i < totals.size(); ++i) {
        const uint64_t headerLength = totals[i] - 8;
        QByteArray json = "{\"__metadata__\":{\"k\":\"v" + QByteArray::number(qulonglong(i)) + "\"}," +
                          tensorJson("layer." + QByteArray::number(qulonglong(i)) + ".weight", "F32", {2}, 0, 8) + '}';
        QVERIFY(uint64_t(json.size()) <= headerLength);
        json += QByteArray(qsizetype(headerLength) - json.size(), ' ');
        images.push_back(rawFile(json, patternBytes(8, uint32_t(i))));
        const QString path = writeFile(dir, QStringLiteral("m%1.safetensors").arg(i), images.back());
        auto file = SafetensorsFile::open(path);
        QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error().describe()));
        opened.push_back(*file);
    }
    for (size_t i = 0; i < totals.size(); ++i) {
        const auto whole = parse(images[i]);
        QVERIFY(whole.ok());
        const Header& header = opened[i]->header();
        QCOMPARE(header.headerLength, whole->headerLength);
        QCOMPARE(header.dataStart, totals[i]);
        QCOMPARE(header.padding, whole->padding);
        QCOMPARE(header.tensors.size(), size_t{1});
        QCOMPARE(header.tensors[0].name, whole->tensors[0].name);
        QCOMPARE(header.tensors[0].name, "layer." + std::to_string(i) + ".weight");
        QCOMPARE(header.metadata.size(), size_t{1});
        QCOMPARE(header.metadata[0].value, "v" + std::to_string(i));
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(opened[i]->tensorData(header.tensors[0])), 8),
                 images[i].right(8));
    }
    // A tensor name and a metadata value across the end of the first read (file offset 65,536) are whole.
    const QByteArray longValue(65496, 'm');
    const QByteArray straddling = "{\"__metadata__\":{\"k\":\"" + longValue + "\"}," +
                                  tensorJson("layer.straddle.weight", "F32", {2}, 0, 8) + '}';
    QVERIFY(8 + straddling.indexOf("layer.straddle") < qsizetype(kib64));
    QVERIFY(8 + straddling.indexOf(".weight") > qsizetype(kib64));
    const auto across = SafetensorsFile::open(
        writeFile(dir, QStringLiteral("across.safetensors"), rawFile(straddling, patternBytes(8))));
    QVERIFY(across.ok());
    QCOMPARE((*across)->header().tensors.at(0).name, std::string("layer.straddle.weight"));
    QCOMPARE((*across)->header().metadata.at(0).value, longValue.toStdString());

    // A length beyond the file is refused as the parser refuses it, small header or not.
    const QString lying =
        writeFile(dir, QStringLiteral("lying.safetensors"), rawFileWithLength(500, one("F32", {1}, 0, 4)));
    const auto refused = SafetensorsFile::open(lying);
    QVERIFY(!refused.ok());
    QCOMPARE(QString::fromLatin1(errorKindName(refused.error().kind)),
             QString::fromLatin1(kindOf(rawFileWithLength(500, one("F32", {1}, 0, 4)))));
}

void TestHeaderParser::writerLayout_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("layout");
    QTest::newRow("empty") << QByteArray("{}") << int(WriterLayout::Empty);
    QTest::newRow("dtype desc then name")
        << '{' + tensorJson("b", "F32", {1}, 0, 4) + ',' + tensorJson("c", "F32", {1}, 4, 8) + ',' +
               tensorJson("a", "U8", {1}, 8, 9) + '}'
        << int(WriterLayout::ReferenceDtypeOrder);
    QTest::newRow("name order") << '{' + tensorJson("a", "U8", {1}, 0, 1) + ',' + tensorJson("b", "F32", {1}, 1, 5) +
                                       ',' + tensorJson("c", "F32", {1}, 5, 9) + '}'
                                << int(WriterLayout::NameOrder);
    QTest::newRow("other") << '{' + tensorJson("c", "U8", {1}, 0, 1) + ',' + tensorJson("a", "F32", {1}, 1, 5) + ',' +
                                  tensorJson("b", "U8", {1}, 5, 6) + '}'
                           << int(WriterLayout::Other);
}

void TestHeaderParser::writerLayout()
{
    QFETCH(QByteArray, json);
    QFETCH(int, layout);
    const uint64_t dataSize = json == "{}" ? 0 : 9;
    const auto header = parse(rawFile(
        json,
        QByteArray(static_cast<qsizetype>(dataSize == 9 && json.contains("\"b\":{\"dtype\":\"U8\"") ? 6 : dataSize),
                   0)));
    QVERIFY2(header.ok(), header.ok() ? "" : qPrintable(header.error().describe()));
    QCOMPARE(int(header->layout), layout);
}

QTEST_GUILESS_MAIN(TestHeaderParser)
#include "tst_headerparser.moc"
