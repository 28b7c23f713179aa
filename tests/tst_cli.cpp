// safescope-cli validate/info: exit codes, JSON shape and plain-word errors, run as a real process.
#include "support/clirun.h"
#include "support/fixtures.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace safescope::test;

namespace {} // namespace

class TestCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void validateExitCodes_data();
    void validateExitCodes();
    void validateJsonForInvalidFile();
    void validateNamesOtherFormats();
    void infoJson();
    void infoText();
    void helpAndVersion();
    void usageErrors();

private:
    QTemporaryDir m_dir;
    QString m_valid;
};

void TestCli::initTestCase()
{
    QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
    QVERIFY(m_dir.isValid());
    const QByteArray header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"{\\\"a\\\":1}\"}," +
                              tensorJson("model.layers.0.w", "BF16", {2, 3}, 0, 12) + ',' +
                              tensorJson("model.layers.0.b", "F32", {3}, 12, 24) + '}';
    m_valid = writeFile(m_dir, QStringLiteral("valid model.safetensors"), rawFile(header, patternBytes(24)));
}

void TestCli::validateExitCodes_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("kind");
    QTest::newRow("valid") << QByteArray() << 0 << QString();
    QTest::newRow("gap") << rawFile('{' + tensorJson("w", "F32", {1}, 4, 8) + '}', QByteArray(8, 0)) << 1
                         << "InvalidOffset";
    QTest::newRow("bad json") << rawFile("{\"w\":}") << 1 << "InvalidHeaderDeserialization";
    QTest::newRow("too small") << QByteArray("abc") << 1 << "HeaderTooSmall";
    QTest::newRow("unknown dtype") << rawFile('{' + tensorJson("w", "X9", {1}, 0, 4) + '}', QByteArray(4, 0)) << 1
                                   << "InvalidHeaderDeserialization";
}

void TestCli::validateExitCodes()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, exitCode);
    QFETCH(QString, kind);
    const QString path = bytes.isEmpty() ? m_valid : writeFile(m_dir, QStringLiteral("case.safetensors"), bytes);
    const CliRun text = runCli({QStringLiteral("validate"), path});
    QCOMPARE(text.exitCode, exitCode);
    const CliRun json = runCli({QStringLiteral("validate"), path, QStringLiteral("--json")});
    QCOMPARE(json.exitCode, exitCode);
    const auto report = parseJson(json.out);
    QCOMPARE(report.at("valid").get<bool>(), exitCode == 0);
    QVERIFY(report.at("warnings").is_array());
    if (exitCode == 0) {
        QVERIFY(report.at("error").is_null());
        QVERIFY(text.out.startsWith("valid"));
    } else {
        QCOMPARE(QString::fromStdString(report.at("error").at("kind").get<std::string>()), kind);
        QVERIFY(text.out.contains(kind.toUtf8()));
    }
}

void TestCli::validateJsonForInvalidFile()
{
    const QString path =
        writeFile(m_dir, QStringLiteral("overlap.safetensors"),
                  rawFile('{' + tensorJson("a", "F32", {2}, 0, 8) + ',' + tensorJson("enc.b", "F32", {1}, 4, 8) + '}',
                          QByteArray(8, 0)));
    const CliRun run = runCli({QStringLiteral("validate"), path, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 1);
    const auto error = parseJson(run.out).at("error");
    QCOMPARE(error.at("kind").get<std::string>(), std::string("InvalidOffset"));
    QCOMPARE(error.at("tensor").get<std::string>(), std::string("enc.b"));
    QVERIFY(QString::fromStdString(error.at("message").get<std::string>()).contains(QStringLiteral("overlapping")));
    QVERIFY(error.at("offset").is_number_unsigned());

    const CliRun missing = runCli({QStringLiteral("validate"), m_dir.filePath(QStringLiteral("nope.safetensors"))});
    QCOMPARE(missing.exitCode, 2);
}

void TestCli::validateNamesOtherFormats()
{
    const QString path = writeFile(m_dir, QStringLiteral("lfs.safetensors"),
                                   "version https://git-lfs.github.com/spec/v1\noid sha256:1234\nsize 4900000000\n");
    const CliRun run = runCli({QStringLiteral("validate"), path});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains("Git LFS pointer"), run.out.constData());
    const CliRun json = runCli({QStringLiteral("validate"), path, QStringLiteral("--json")});
    QCOMPARE(parseJson(json.out).at("error").at("detected_format").get<std::string>(), std::string("Git LFS pointer"));
}

void TestCli::infoJson()
{
    const CliRun run = runCli({QStringLiteral("info"), m_valid, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto info = parseJson(run.out);
    QCOMPARE(info.at("tensors").size(), 2u);
    const auto& first = info.at("tensors").at(0);
    QCOMPARE(first.at("name").get<std::string>(), std::string("model.layers.0.w"));
    QCOMPARE(first.at("dtype").get<std::string>(), std::string("BF16"));
    QVERIFY(first.at("shape") == nlohmann::json::parse("[2,3]"));
    QVERIFY(first.at("data_offsets") == nlohmann::json::parse("[0,12]"));
    QCOMPARE(info.at("parameters").get<uint64_t>(), 9u);
    QCOMPARE(info.at("parameters_by_dtype").at("BF16").get<uint64_t>(), 6u);
    QCOMPARE(info.at("parameters_by_dtype").at("F32").get<uint64_t>(), 3u);
    QCOMPARE(info.at("metadata").at("format").get<std::string>(), std::string("pt"));
    QCOMPARE(info.at("metadata").at("note").get<std::string>(), std::string("{\"a\":1}"));

    const QString noMeta = writeFile(m_dir, QStringLiteral("nometa.safetensors"), rawFile("{}"));
    QVERIFY(parseJson(runCli({QStringLiteral("info"), noMeta, QStringLiteral("--json")}).out).at("metadata").is_null());
}

void TestCli::infoText()
{
    const CliRun run = runCli({QStringLiteral("info"), m_valid});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("model.layers.0.b"));
    QVERIFY(run.out.contains("Parameters  9"));
    QVERIFY(run.out.contains("format = pt"));

    const QString lenient = writeFile(m_dir, QStringLiteral("exotic.safetensors"),
                                      rawFile('{' + tensorJson("w", "F99", {1}, 0, 4) + '}', QByteArray(4, 0)));
    const CliRun exotic = runCli({QStringLiteral("info"), lenient});
    QCOMPARE(exotic.exitCode, 0);
    QVERIFY(exotic.out.contains("UnknownDType"));
}

void TestCli::helpAndVersion()
{
    for (const QString& command : {QStringLiteral("validate"), QStringLiteral("info")}) {
        const CliRun help = runCli({command, QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("PATH"));
        const CliRun version = runCli({command, QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.contains("safescope-cli"));
    }
    QCOMPARE(runCli({QStringLiteral("--help")}).exitCode, 0);
    QCOMPARE(runCli({QStringLiteral("--version")}).exitCode, 0);
}

void TestCli::usageErrors()
{
    const CliRun none = runCli({});
    QCOMPARE(none.exitCode, 2);
    const CliRun unknown = runCli({QStringLiteral("frobnicate")});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY(unknown.err.contains("unknown command"));
    const CliRun missingArg = runCli({QStringLiteral("info")});
    QCOMPARE(missingArg.exitCode, 2);
    const CliRun badOption = runCli({QStringLiteral("info"), m_valid, QStringLiteral("--bogus")});
    QCOMPARE(badOption.exitCode, 2);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
