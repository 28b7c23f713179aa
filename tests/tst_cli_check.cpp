// safescope-cli check (issue 16): the JSON contract {"problems": [{"tensor", "kind", "severity", "count",
// "first_index", "detail"}], "tensors_scanned", "bytes_scanned"}, --fail-on, and exit codes 0 (no problem of a
// --fail-on kind), 1 (one found), 2 (the scan could not be done), each run as a real process.
#include "core/io/localpath.h"
#include "support/clibytes.h"
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/tensorfilebuilder.h"

#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <limits>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

/// Header padded to a multiple of 8, metadata given, tensors in order.
QByteArray paddedFile(const QByteArray& metadata, const QList<QPair<QByteArray, std::vector<float>>>& tensors)
{
    QByteArray entries, data;
    for (const auto& [name, values] : tensors) {
        const auto begin = static_cast<uint64_t>(data.size());
        entries +=
            (entries.isEmpty() ? "" : ",") + tensorJson(name, "F32", {values.size()}, begin, begin + 4 * values.size());
        data += bytesOf(values);
    }
    QByteArray header =
        "{" + (metadata.isEmpty() ? QByteArray() : "\"__metadata__\":" + metadata + ",") + entries + "}";
    while (header.size() % 8 != 0)
        header += ' ';
    return rawFile(header, data);
}

std::set<std::string> keysOf(const nlohmann::json& object)
{
    std::set<std::string> keys;
    for (auto it = object.begin(); it != object.end(); ++it)
        keys.insert(it.key());
    return keys;
}

} // namespace

class TestCliCheck final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_sick = writeFile(m_dir, QStringLiteral("sick.safetensors"),
                           paddedFile({}, {{"a.weight", {0.5f, 0.25f, 1.0f}},
                                           {"b.weight", {1.0f, 2.0f, 3.0f, kNan, 5.0f}},
                                           {"norm.weight", {1.0f, 1.0f, 1.0f, 1.0f}}}));
        // A fresh model: norm weights all ones (constant), format key present: healthy by default.
        m_fresh = writeFile(
            m_dir, QStringLiteral("fresh.safetensors"),
            paddedFile(R"({"format":"pt"})", {{"proj.weight", {0.5f, -0.25f}}, {"norm.weight", {1.0f, 1.0f, 1.0f}}}));
    }

    void jsonContract()
    {
        const CliRun run = runCli({QStringLiteral("check"), m_sick, QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 1, run.err.constData()); // NaN is an error, and errors fail by default
        const nlohmann::json json = parseJson(run.out);
        QCOMPARE(keysOf(json), (std::set<std::string>{"problems", "tensors_scanned", "bytes_scanned"}));
        QCOMPARE(json.at("tensors_scanned").get<uint64_t>(), uint64_t(3));
        QCOMPARE(json.at("bytes_scanned").get<uint64_t>(), uint64_t(4 * (3 + 5 + 4)));
        const nlohmann::json& problems = json.at("problems");
        QCOMPARE(problems.size(), size_t(3)); // metadata, nan, constant
        for (const nlohmann::json& p : problems)
            QCOMPARE(keysOf(p),
                     (std::set<std::string>{"tensor", "kind", "severity", "count", "first_index", "detail"}));

        QCOMPARE(problems[0].at("kind").get<std::string>(), std::string("metadata"));
        QVERIFY(problems[0].at("tensor").is_null());
        QVERIFY(problems[0].at("first_index").is_null());
        QCOMPARE(problems[0].at("severity").get<std::string>(), std::string("warning"));

        QCOMPARE(problems[1].at("tensor").get<std::string>(), std::string("b.weight"));
        QCOMPARE(problems[1].at("kind").get<std::string>(), std::string("nan"));
        QCOMPARE(problems[1].at("severity").get<std::string>(), std::string("error"));
        QCOMPARE(problems[1].at("count").get<uint64_t>(), uint64_t(1));
        QCOMPARE(problems[1].at("first_index").get<uint64_t>(), uint64_t(3));
        QVERIFY(!problems[1].at("detail").get<std::string>().empty());

        QCOMPARE(problems[2].at("tensor").get<std::string>(), std::string("norm.weight"));
        QCOMPARE(problems[2].at("kind").get<std::string>(), std::string("constant"));
        QCOMPARE(problems[2].at("count").get<uint64_t>(), uint64_t(4));
        QVERIFY(problems[2].at("first_index").is_null());
    }

    void textOutput()
    {
        const CliRun run = runCli({QStringLiteral("check"), m_sick});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.contains("error nan b.weight: 1 NaN value of 5, the first at element 3"), run.out.constData());
        QVERIFY2(run.out.contains("1 error, 2 warnings in 3 tensors"), run.out.constData());
        QVERIFY(run.err.isEmpty()); // no progress line when stderr is not a terminal
    }

    void exitCodes_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("fresh model, default") << QStringLiteral("fresh") << QStringList{} << 0;
        QTest::newRow("fresh model, --fail-on constant")
            << QStringLiteral("fresh") << QStringList{QStringLiteral("--fail-on"), QStringLiteral("constant")} << 1;
        QTest::newRow("fresh model, --fail-on all")
            << QStringLiteral("fresh") << QStringList{QStringLiteral("--fail-on"), QStringLiteral("all")} << 1;
        QTest::newRow("NaN, default") << QStringLiteral("sick") << QStringList{} << 1;
        QTest::newRow("NaN, --fail-on none")
            << QStringLiteral("sick") << QStringList{QStringLiteral("--fail-on"), QStringLiteral("none")} << 0;
        QTest::newRow("NaN, --fail-on metadata")
            << QStringLiteral("sick") << QStringList{QStringLiteral("--fail-on"), QStringLiteral("metadata")} << 1;
        QTest::newRow("NaN, --fail-on inf,duplicate")
            << QStringLiteral("sick") << QStringList{QStringLiteral("--fail-on"), QStringLiteral("inf,duplicate")} << 0;
        QTest::newRow("unknown kind") << QStringLiteral("sick")
                                      << QStringList{QStringLiteral("--fail-on"), QStringLiteral("nan,bogus")} << 2;
        QTest::newRow("missing file") << QStringLiteral("missing") << QStringList{} << 2;
        QTest::newRow("invalid header") << QStringLiteral("invalid") << QStringList{} << 2;
    }

    void exitCodes()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, options);
        QFETCH(int, exitCode);
        QString path = file == QLatin1String("fresh")  ? m_fresh
                       : file == QLatin1String("sick") ? m_sick
                                                       : m_dir.filePath(file + QStringLiteral(".safetensors"));
        if (file == QLatin1String("invalid"))
            path = writeFile(m_dir, QStringLiteral("invalid.safetensors"), rawFile("{\"w\":{\"dtype\":\"F32\""));
        for (const bool json : {false, true}) {
            QStringList arguments{QStringLiteral("check"), path};
            arguments += options;
            if (json)
                arguments << QStringLiteral("--json");
            const CliRun run = runCli(arguments);
            QVERIFY2(run.exitCode == exitCode, QByteArray(run.out + run.err).constData());
            if (json && exitCode < 2)
                QVERIFY(parseJson(run.out).contains("problems"));
            if (json && exitCode == 2 && file != QLatin1String("sick"))
                QVERIFY(parseJson(run.out).contains("error"));
        }
    }

    void fileChangedWhileReadIsExit2()
    {
        const QString path = writeFile(m_dir, QStringLiteral("changing.safetensors"),
                                       paddedFile(R"({"format":"pt"})", {{"w", std::vector<float>(4096, 0.5f)}}));
        bool changed = false;
        const CliRun run = runCliBytes({"check", encodeLocalPath(path), "--json"}, encodeLocalPath(m_dir.path()), [&] {
            const int fd = ::open(encodeLocalPath(path).constData(), O_WRONLY | O_CLOEXEC);
            QVERIFY(fd >= 0);
            struct stat before = {};
            QCOMPARE(::fstat(fd, &before), 0);
            const QByteArray bytes(256, '\x11');
            QCOMPARE(::pwrite(fd, bytes.constData(), 256, before.st_size - 256), ssize_t(256));
            timespec times[2] = {before.st_atim, before.st_mtim};
            times[1].tv_sec += 10;
            QCOMPARE(::futimens(fd, times), 0);
            QCOMPARE(::close(fd), 0);
            changed = true;
        });
        QVERIFY(changed);
        QVERIFY2(run.exitCode == 2, QByteArray(run.out + run.err).constData());
        QCOMPARE(parseJson(run.out).at("error").at("kind").get<std::string>(), std::string("FileChanged"));
    }

    void helpNamesTheContract()
    {
        const CliRun help = runCli({QStringLiteral("check"), QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        for (const char* word : {"--fail-on", "nan", "inf", "all_zero", "constant", "f16_overflow", "duplicate",
                                 "misaligned", "metadata", "first_index", "tensors_scanned", "bytes_scanned"})
            QVERIFY2(help.out.contains(word), word);
        const CliRun top = runCli({QStringLiteral("--help")});
        QVERIFY(top.out.contains("  check "));
    }

private:
    QTemporaryDir m_dir;
    QString m_sick;
    QString m_fresh;
};

QTEST_GUILESS_MAIN(TestCliCheck)
#include "tst_cli_check.moc"
