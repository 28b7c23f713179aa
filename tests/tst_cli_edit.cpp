// safescope-cli meta and export (issue 5), run as real processes: exit codes, JSON, which save path was taken.
#include "support/clirun.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace safescope::test;

namespace {

QString qs(const char* text)
{
    return QString::fromUtf8(text);
}

} // namespace

class TestCliEdit final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void metaPrints();
    void metaEditsInPlace();
    void metaRewritesAndReserves();
    void metaSaveAsAndSetFile();
    void metaExitCodes_data();
    void metaExitCodes();
    void exportSubset();
    void exportShardedWithConversion();
    void exportExitCodes_data();
    void exportExitCodes();
    void help_data();
    void help();

private:
    QTemporaryDir m_dir;
};

void TestCliEdit::initTestCase()
{
    QVERIFY(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty());
}

void TestCliEdit::metaPrints()
{
    const QString path = makeCheckpoint(m_dir, qs("print.safetensors"), R"({"format":"pt","b":"x=y"})", 0);
    CliRun run = runCli({qs("meta"), path});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, QByteArray("format = pt\nb = x=y\n"));
    run = runCli({qs("meta"), path, qs("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    QVERIFY(json["metadata"]["b"] == "x=y");
    QVERIFY(json["keys"] == nlohmann::json::array({"format", "b"}));
}

void TestCliEdit::metaEditsInPlace()
{
    const QString path = makeCheckpoint(m_dir, qs("edit.safetensors"), R"({"format":"pt","old":"1"})", 64);
    const QByteArray data = dataRegion(path);
    const qint64 size = QFileInfo(path).size();
    const CliRun run = runCli({qs("meta"), path, qs("--set"), qs("new=2"), qs("--unset"), qs("old"), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    QVERIFY(json["files"][0]["method"] == "in-place");
    QVERIFY(json["files"][0]["keys"] == nlohmann::json::array({"format", "new"}));
    QCOMPARE(QFileInfo(path).size(), size);
    QCOMPARE(dataRegion(path), data);
    const CliRun text = runCli({qs("meta"), path, qs("--set"), qs("new=3")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.startsWith("in-place: "), text.out.constData());
}

void TestCliEdit::metaRewritesAndReserves()
{
    const QString path = makeCheckpoint(m_dir, qs("grow.safetensors"), R"({"format":"pt"})", 0);
    const QByteArray data = dataRegion(path);
    CliRun run = runCli(
        {qs("meta"), path, qs("--set"), qs("long=") + QString(200, u'x'), qs("--reserve"), qs("4096"), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(parseJson(run.out)["files"][0]["method"] == "rewrite");
    QVERIFY(headerLengthOf(path) >= 4096);
    QCOMPARE(dataRegion(path), data);
    run = runCli({qs("meta"), path, qs("--set"), qs("more=") + QString(2000, u'y'), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(parseJson(run.out)["files"][0]["method"] == "in-place");
    run = runCli({qs("meta"), path, qs("--clear"), qs("--set"), qs("format=pt"), qs("--rewrite"), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(parseJson(run.out)["files"][0]["method"] == "rewrite");
    QVERIFY(parseJson(run.out)["files"][0]["keys"] == nlohmann::json::array({"format"}));
    // Removing "format" warns: transformers refuses such a file.
    run = runCli({qs("meta"), path, qs("--unset"), qs("format")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.contains("transformers"));
}

void TestCliEdit::metaSaveAsAndSetFile()
{
    const QString path = makeCheckpoint(m_dir, qs("saveas.safetensors"), R"({"format":"pt"})", 0);
    const QByteArray before = readBytes(path);
    const QString value = writeFile(m_dir, qs("value.json"), "{\"nested\": [1, 2]}\n");
    const QString out = m_dir.filePath(qs("saved-as.safetensors"));
    const CliRun run = runCli({qs("meta"), path, qs("--set-file"), qs("config=") + value, qs("-o"), out, qs("--json")});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(readBytes(path), before);
    const CliRun printed = runCli({qs("meta"), out, qs("--json")});
    QVERIFY(parseJson(printed.out)["metadata"]["config"] == "{\"nested\": [1, 2]}\n");
    QCOMPARE(dataRegion(out), dataRegion(path));
}

void TestCliEdit::metaExitCodes_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("file"); // "valid", "invalid", "missing"
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("kind"); // expected error kind in --json, empty when none
    QTest::newRow("not KEY=VALUE") << QStringList{qs("--set"), qs("novalue")} << qs("valid") << 2 << QByteArray();
    QTest::newRow("empty key") << QStringList{qs("--set"), qs("=v")} << qs("valid") << 2 << QByteArray();
    QTest::newRow("reserved key") << QStringList{qs("--set"), qs("__metadata__=x")} << qs("valid") << 2
                                  << QByteArray("InvalidArgument");
    QTest::newRow("bad reserve") << QStringList{qs("--reserve"), qs("lots")} << qs("valid") << 2 << QByteArray();
    QTest::newRow("unreadable --set-file")
        << QStringList{qs("--set-file"), qs("k=/nonexistent/file")} << qs("valid") << 2 << QByteArray();
    QTest::newRow("invalid file") << QStringList{qs("--set"), qs("a=b")} << qs("invalid") << 1
                                  << QByteArray("InvalidOffset");
    QTest::newRow("missing file") << QStringList{} << qs("missing") << 2 << QByteArray("IoError");
    QTest::newRow("bad recover") << QStringList{qs("--recover"), qs("maybe")} << qs("valid") << 2 << QByteArray();
}

void TestCliEdit::metaExitCodes()
{
    QFETCH(QStringList, extra);
    QFETCH(QString, file);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, kind);
    QString path = m_dir.filePath(qs("missing.safetensors"));
    if (file == qs("valid"))
        path = makeCheckpoint(m_dir, qs("codes.safetensors"), R"({"format":"pt"})", 0);
    if (file == qs("invalid"))
        path = writeFile(m_dir, qs("gap.safetensors"),
                         rawFile("{" + tensorJson("a", "U8", {4}, 4, 8) + "}", QByteArray(8, 'x')));
    const QByteArray before = readBytes(path);
    const CliRun run = runCli(QStringList{qs("meta"), path, qs("--json")} + extra);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY(!run.err.isEmpty());
    if (!kind.isEmpty())
        QVERIFY(parseJson(run.out)["error"]["kind"] == kind.toStdString());
    QCOMPARE(readBytes(path), before);
}

void TestCliEdit::exportSubset()
{
    const QString path = makeCheckpoint(m_dir, qs("exp.safetensors"), R"({"format":"pt"})", 0);
    const QString out = m_dir.filePath(qs("subset.safetensors"));
    const CliRun run = runCli({qs("export"), path, qs("-o"), out, qs("--exclude"), qs("mask"), qs("--rename"),
                               qs("s/^([a-z])\\./layer_\\1./"), qs("--no-metadata"), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    QVERIFY(json["written"] == true);
    QCOMPARE(json["tensors"].size(), size_t{2});
    QVERIFY(json["tensors"][0]["name"] == "layer_a.weight");
    QVERIFY(json["tensors"][1]["name"] == "layer_b.bias");
    QVERIFY(json["index"] == nullptr);
    const CliRun info = runCli({qs("info"), out, qs("--json")});
    QCOMPARE(info.exitCode, 0);
    const auto described = parseJson(info.out);
    QVERIFY(described["metadata"] == nullptr);
    QCOMPARE(described["tensors"].size(), size_t{2});
    QCOMPARE(runCli({qs("validate"), out}).exitCode, 0);
}

void TestCliEdit::exportShardedWithConversion()
{
    const QString path = makeCheckpoint(m_dir, qs("shardsrc.safetensors"), R"({"format":"pt"})", 0);
    const QString out = m_dir.filePath(qs("sharded"));
    const CliRun run = runCli(
        {qs("export"), path, qs("-o"), out, qs("--dtype"), qs("F16"), qs("--max-shard-size"), qs("20B"), qs("--json")});
    QCOMPARE(run.exitCode, 0);
    const auto json = parseJson(run.out);
    QCOMPARE(json["files"].size(), size_t{3});
    QVERIFY(json["impact"].is_object());
    QCOMPARE(json["impact"]["values"].get<int>(), 24); // 16 F32 + 8 BF16 values converted; U8 kept
    QVERIFY(QFile::exists(QDir(out).filePath(qs("model.safetensors.index.json"))));
    QVERIFY(QFile::exists(QDir(out).filePath(qs("model-00003-of-00003.safetensors"))));
    const CliRun validate = runCli({qs("validate"), QDir(out).filePath(qs("model.safetensors.index.json"))});
    QCOMPARE(validate.exitCode, 0);
}

void TestCliEdit::exportExitCodes_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("no output") << QStringList{} << 2;
    QTest::newRow("bad dtype") << QStringList{qs("-o"), qs("x.safetensors"), qs("--dtype"), qs("I8")} << 2;
    QTest::newRow("bad size") << QStringList{qs("-o"), qs("x.safetensors"), qs("--max-shard-size"), qs("big")} << 2;
    QTest::newRow("bad rule") << QStringList{qs("-o"), qs("x.safetensors"), qs("--rename"), qs("s/a/")} << 2;
    QTest::newRow("collision") << QStringList{qs("-o"), qs("x.safetensors"), qs("--rename"), qs("s/.*/same/")} << 2;
    QTest::newRow("bad regex") << QStringList{qs("-o"), qs("x.safetensors"), qs("--include"), qs("(")} << 2;
    QTest::newRow("both metadata flags") << QStringList{qs("-o"), qs("x.safetensors"), qs("--keep-metadata"),
                                                        qs("--no-metadata")}
                                         << 2;
}

void TestCliEdit::exportExitCodes()
{
    QFETCH(QStringList, extra);
    QFETCH(int, exitCode);
    QTemporaryDir dir;
    const QString path = makeCheckpoint(dir, qs("src.safetensors"), R"({"format":"pt"})", 0);
    QStringList arguments{qs("export"), path};
    for (const QString& argument : extra)
        arguments << (argument == qs("x.safetensors") ? dir.filePath(argument) : argument);
    const CliRun run = runCli(arguments);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY(!run.err.isEmpty());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{qs("src.safetensors")});
}

void TestCliEdit::help_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QByteArray>("mentions");
    QTest::newRow("meta") << qs("meta") << QByteArray("--set-file");
    QTest::newRow("export") << qs("export") << QByteArray("--max-shard-size");
}

void TestCliEdit::help()
{
    QFETCH(QString, command);
    QFETCH(QByteArray, mentions);
    const CliRun run = runCli({command, qs("--help")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains(mentions));
    QVERIFY(runCli({qs("--help")}).out.contains(command.toUtf8()));
}

QTEST_GUILESS_MAIN(TestCliEdit)
#include "tst_cli_edit.moc"
