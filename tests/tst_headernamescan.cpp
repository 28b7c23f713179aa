// The quick name scan behind the viewer's head start on the tensor tree: names in file order without
// __metadata__, a refusal (never a guess) for anything but plain keys, and no read outside the text for any
// prefix of a header or any random bytes.
#include "core/headernamescan.h"

#include <QTest>

#include <random>
#include <string>

using namespace safescope;

namespace {

using Names = std::vector<std::string_view>;

const std::string kHeader = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"a } and a \\\" inside\"},"
                            "\"model.layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                            "\n  \"model.norm\" : {\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[16,18]}   }   ";

} // namespace

class TestHeaderNameScan final : public QObject
{
    Q_OBJECT

private slots:
    void namesInFileOrder()
    {
        const auto names = scanTensorNames(kHeader);
        QVERIFY(names);
        QCOMPARE(*names, (Names{"model.layers.0.weight", "model.norm"}));
    }

    void emptyObjects()
    {
        QCOMPARE(scanTensorNames("{}"), std::optional<Names>(Names{}));
        QCOMPARE(scanTensorNames("  { \n }  "), std::optional<Names>(Names{}));
        QCOMPARE(scanTensorNames("{\"__metadata__\":{}}"), std::optional<Names>(Names{}));
    }

    void valuesOfAnyShapeAreSkipped()
    {
        const auto names = scanTensorNames("{\"a\":[[1,[2]],{\"x\":\"]}\"}],\"b\":\"text\",\"c\":12.5e3,\"d\":null}");
        QVERIFY(names);
        QCOMPARE(*names, (Names{"a", "b", "c", "d"}));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not an object") << QByteArray("[\"a\"]");
        QTest::newRow("escaped key") << QByteArray("{\"a\\u002eb\":{}}");
        QTest::newRow("escaped quote in key") << QByteArray("{\"a\\\"b\":{}}");
        QTest::newRow("unquoted key") << QByteArray("{a:{}}");
        QTest::newRow("missing colon") << QByteArray("{\"a\" {}}");
        QTest::newRow("unterminated key") << QByteArray("{\"abc");
        QTest::newRow("unterminated value") << QByteArray("{\"a\":{\"dtype\":\"F32\"");
        QTest::newRow("unterminated string value") << QByteArray("{\"a\":\"xyz");
        QTest::newRow("garbage between entries") << QByteArray("{\"a\":{} x \"b\":{}}");
        QTest::newRow("trailing backslash") << QByteArray("{\"a\":\"\\");
        QTest::newRow("nesting past 64") << QByteArray("{\"a\":" + QByteArray(65, '[') + QByteArray(65, ']') + '}');
    }

    void refusals()
    {
        QFETCH(QByteArray, json);
        QCOMPARE(scanTensorNames(std::string_view(json.constData(), static_cast<size_t>(json.size()))),
                 std::optional<Names>());
    }

    // Every prefix of a real header, and random bytes: a result or a refusal, never a read past the end (ASan).
    void prefixesAndNoise()
    {
        for (size_t length = 0; length < kHeader.size(); ++length) {
            const std::string prefix = kHeader.substr(0, length); // its own allocation, so ASan sees the end
            const auto names = scanTensorNames(prefix);
            if (names)
                QVERIFY(names->size() <= 2);
        }
        std::mt19937 random(7);
        const std::string alphabet = "{}[]\":,\\ ax0";
        for (int round = 0; round < 20000; ++round) {
            std::string noise(random() % 40, ' ');
            for (char& c : noise)
                c = alphabet[random() % alphabet.size()];
            (void)scanTensorNames(noise);
        }
    }
};

QTEST_GUILESS_MAIN(TestHeaderNameScan)
#include "tst_headernamescan.moc"
