// The formatters the CLI and the window share (core/text/format.h): one form per quantity, exact at the unit
// boundaries, and identical on every machine whatever its locale.
#include "core/text/format.h"
#include "core/text/jsonstring.h"
#include "core/text/prettyjson.h"

#include <QLocale>
#include <QTest>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <vector>

using namespace safescope;

namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB * 1024;
constexpr uint64_t kGiB = kMiB * 1024;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

} // namespace

class TestTextFormat : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // A locale with other separators must change nothing: the texts are fixed English forms.
        QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    }

    void bytes_data()
    {
        QTest::addColumn<quint64>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << quint64{0} << QStringLiteral("0 B");
        QTest::newRow("one") << quint64{1} << QStringLiteral("1 B");
        QTest::newRow("1 KiB - 1") << quint64{kKiB - 1} << QStringLiteral("1023 B");
        QTest::newRow("1 KiB") << quint64{kKiB} << QStringLiteral("1.00 KiB");
        QTest::newRow("1.5 KiB") << quint64{1536} << QStringLiteral("1.50 KiB");
        QTest::newRow("just under 10 KiB rounds to 10.0") << quint64{10 * kKiB - 1} << QStringLiteral("10.0 KiB");
        QTest::newRow("31.25 KiB") << quint64{32000} << QStringLiteral("31.3 KiB");
        QTest::newRow("just under 100 KiB rounds to 100") << quint64{100 * kKiB - 1} << QStringLiteral("100 KiB");
        QTest::newRow("1 MiB - 1 rounds into the next unit") << quint64{kMiB - 1} << QStringLiteral("1.00 MiB");
        QTest::newRow("1 MiB") << quint64{kMiB} << QStringLiteral("1.00 MiB");
        QTest::newRow("512 MiB") << quint64{512 * kMiB} << QStringLiteral("512 MiB");
        QTest::newRow("13.5 GiB") << quint64{27 * kGiB / 2} << QStringLiteral("13.5 GiB");
        QTest::newRow("1 TiB") << quint64{kGiB * 1024} << QStringLiteral("1.00 TiB");
        QTest::newRow("1 EiB") << quint64{uint64_t{1} << 60} << QStringLiteral("1.00 EiB");
        QTest::newRow("largest") << quint64{kMax} << QStringLiteral("16.0 EiB");
    }
    void bytes()
    {
        QFETCH(quint64, value);
        QFETCH(QString, text);
        QCOMPARE(format::bytes(value), text);
    }

    void count_data()
    {
        QTest::addColumn<quint64>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << quint64{0} << QStringLiteral("0");
        QTest::newRow("999") << quint64{999} << QStringLiteral("999");
        QTest::newRow("1,000") << quint64{1000} << QStringLiteral("1,000");
        QTest::newRow("million") << quint64{1234567} << QStringLiteral("1,234,567");
        QTest::newRow("largest") << quint64{kMax} << QStringLiteral("18,446,744,073,709,551,615");
    }
    void count()
    {
        QFETCH(quint64, value);
        QFETCH(QString, text);
        QCOMPARE(format::count(value), text);
    }

    void signedCount()
    {
        QCOMPARE(format::signedCount(0), QStringLiteral("0"));
        QCOMPARE(format::signedCount(1234), QStringLiteral("1,234"));
        QCOMPARE(format::signedCount(-1), QStringLiteral("-1"));
        QCOMPARE(format::signedCount(-1234567), QStringLiteral("-1,234,567"));
        QCOMPARE(format::signedCount(std::numeric_limits<int64_t>::min()),
                 QStringLiteral("-9,223,372,036,854,775,808"));
        QCOMPARE(format::signedCount(std::numeric_limits<int64_t>::max()), QStringLiteral("9,223,372,036,854,775,807"));
    }

    void compactCount_data()
    {
        QTest::addColumn<quint64>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << quint64{0} << QStringLiteral("0");
        QTest::newRow("999 stays exact") << quint64{999} << QStringLiteral("999");
        QTest::newRow("1 K") << quint64{1000} << QStringLiteral("1.00 K");
        QTest::newRow("just under a million") << quint64{999499} << QStringLiteral("999 K");
        QTest::newRow("rounds into M") << quint64{999500} << QStringLiteral("1.00 M");
        QTest::newRow("7B model") << quint64{7241732096} << QStringLiteral("7.24 B");
        QTest::newRow("70B model") << quint64{70553706496} << QStringLiteral("70.6 B");
        QTest::newRow("trillion") << quint64{1000000000000} << QStringLiteral("1.00 T");
        QTest::newRow("largest") << quint64{kMax} << QStringLiteral("18446744 T");
    }
    void compactCount()
    {
        QFETCH(quint64, value);
        QFETCH(QString, text);
        QCOMPARE(format::compactCount(value), text);
    }

    void counted()
    {
        QCOMPARE(format::counted(0, u"tensor", u"tensors"), QStringLiteral("0 tensors"));
        QCOMPARE(format::counted(1, u"tensor", u"tensors"), QStringLiteral("1 tensor"));
        QCOMPARE(format::counted(1024, u"copy", u"copies"), QStringLiteral("1,024 copies"));
    }

    void shape()
    {
        QCOMPARE(format::shape({}), QStringLiteral("[]"));
        const std::vector<uint64_t> matrix{4096, 11008};
        QCOMPARE(format::shape(matrix), QStringLiteral("[4096, 11008]"));
        const std::vector<uint64_t> extreme{0, kMax};
        QCOMPARE(format::shape(extreme), QStringLiteral("[0, 18446744073709551615]"));
    }

    void dtype()
    {
        TensorInfo known;
        known.dtype = DType::BF16;
        QCOMPARE(format::dtype(known), QStringLiteral("BF16"));
        // An unknown dtype name is stored right after the tensor's name (see TensorInfo::unknownDType).
        static const char names[] = "wQ4_K";
        TensorInfo unknown;
        unknown.name = std::string_view(names, 1);
        unknown.dtype = DType::Unknown;
        unknown.unknownDTypeSize = 4;
        QCOMPARE(format::dtype(unknown), QStringLiteral("Q4_K (unknown)"));
    }

    void dtypeMix()
    {
        const std::vector<std::pair<DType, uint32_t>> mix{{DType::F32, 2}, {DType::BF16, 7}, {DType::I64, 2}};
        QCOMPARE(format::dtypeMix(mix), QStringLiteral("BF16 \u00d77, F32 \u00d72, I64 \u00d72"));
        QCOMPARE(format::dtypeMix({}), QString());
    }

    void prettyJson()
    {
        QCOMPARE(safescope::prettyJson(QStringLiteral(" {\"a\":[1,2]} ")),
                 QStringLiteral("{\n    \"a\": [\n        1,\n        2\n    ]\n}\n"));
        QCOMPARE(safescope::prettyJson(QStringLiteral("[]")), QStringLiteral("[\n]\n"));
        // Not an object or array, or not JSON: nothing, so the caller shows the value as it is.
        QVERIFY(safescope::prettyJson(QStringLiteral("42")).isEmpty());
        QVERIFY(safescope::prettyJson(QStringLiteral("{\"a\":")).isEmpty());
        QVERIFY(safescope::prettyJson(QStringLiteral("plain text")).isEmpty());
    }

    // The one JSON string escaper of the header writers (export and metadata edits), byte for byte serde_json's.
    void jsonString_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("empty") << QByteArray() << QByteArray("\"\"");
        QTest::newRow("plain") << QByteArray("model.layers.0.weight") << QByteArray("\"model.layers.0.weight\"");
        QTest::newRow("quote and backslash") << QByteArray("a\"b\\c") << QByteArray("\"a\\\"b\\\\c\"");
        QTest::newRow("short escapes") << QByteArray("\b\f\n\r\t") << QByteArray("\"\\b\\f\\n\\r\\t\"");
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << QByteArray("\"a\\u0000b\"");
        QTest::newRow("other controls, lowercase hex")
            << QByteArray("\x01\x1b\x1f") << QByteArray("\"\\u0001\\u001b\\u001f\"");
        QTest::newRow("slash and DEL raw") << QByteArray("a/b\x7f") << QByteArray("\"a/b\x7f\"");
        QTest::newRow("non-ASCII raw") << QByteArray("\xc3\xa9\xe2\x86\x92\xf0\x9f\x98\x80")
                                       << QByteArray("\"\xc3\xa9\xe2\x86\x92\xf0\x9f\x98\x80\"");
        // Invalid UTF-8 is copied, never repaired: the writers refuse it before (findInvalidUtf8), and a repaired
        // name would silently be another tensor's.
        QTest::newRow("invalid UTF-8 verbatim") << QByteArray("a\xff\xc0\xaf") << QByteArray("\"a\xff\xc0\xaf\"");
    }
    void jsonString()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, json);
        std::string out = "x";
        appendJsonString(out, std::string_view(text.constData(), static_cast<size_t>(text.size())));
        QCOMPARE(QByteArray::fromStdString(out), 'x' + json);
        if (!QByteArray(QTest::currentDataTag()).startsWith("invalid")) // valid text reads back as itself
            QCOMPARE(QByteArray::fromStdString(nlohmann::json::parse(json.toStdString()).get<std::string>()), text);
    }
};

QTEST_GUILESS_MAIN(TestTextFormat)
#include "tst_textformat.moc"
