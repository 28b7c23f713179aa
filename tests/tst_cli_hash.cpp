// safescope-cli hash, run as a user runs it: the JSON against Python's hashlib, --check, claimed-key verdicts,
// shards, the cache and the exit codes.
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/pythonhashes.h"

#include <QCryptographicHash>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope::test;

namespace {

QString sha256Of(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QString text(const nlohmann::json& value)
{
    return QString::fromStdString(value.get<std::string>());
}

} // namespace

class TestCliHash : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest");
        QVERIFY(m_cache.isValid());
        // The CLI inherits this: its cache goes to a folder the test owns, not the user's.
        qputenv("XDG_CACHE_HOME", m_cache.path().toLocal8Bit());
    }

    void jsonMatchesHashlib()
    {
        QTemporaryDir dir;
        const QString a = writeFile(dir, QStringLiteral("a.safetensors"),
                                    safetensorsImage({{"format", "pt"}}, patternBytes(1500000, 1), false));
        const QString b =
            writeFile(dir, QStringLiteral("b.safetensors"), safetensorsImage({}, patternBytes(700, 2), true));
        const std::vector<PythonHashes> expected = pythonHashes({a, b});
        QCOMPARE(expected.size(), size_t(2));
        const CliRun run = runCli({QStringLiteral("hash"), a, b, QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json report = parseJson(run.out);
        QCOMPARE(report["files"].size(), size_t(2));
        for (size_t i = 0; i < 2; ++i) {
            const nlohmann::json& file = report["files"][i];
            QCOMPARE(text(file["path"]), i == 0 ? a : b);
            QCOMPARE(file["size"].get<uint64_t>(), uint64_t(QFileInfo(i == 0 ? a : b).size()));
            QCOMPARE(text(file["sha256"]), expected[i].sha256);
            QCOMPARE(text(file["data_sha256"]), expected[i].dataSha256);
            QCOMPARE(text(file["legacy_hash"]), expected[i].legacyHash);
            QCOMPARE(text(file["autov2"]), expected[i].sha256.left(10).toUpper());
            QCOMPARE(text(file["autov3"]), expected[i].dataSha256.left(12).toUpper());
            QCOMPARE(file["cached"].get<bool>(), false);
            QVERIFY(file["claimed"].empty());
        }
        // A second look comes from the cache, with the same values.
        const nlohmann::json again = parseJson(runCli({QStringLiteral("hash"), a, QStringLiteral("--json")}).out);
        QCOMPARE(again["files"][0]["cached"].get<bool>(), true);
        QCOMPARE(text(again["files"][0]["sha256"]), expected[0].sha256);
        QCOMPARE(text(again["files"][0]["data_sha256"]), expected[0].dataSha256);
        QVERIFY(QFile::exists(m_cache.filePath(QStringLiteral("safescope/hashes.json"))));
        // --no-cache reads the file again.
        const nlohmann::json fresh =
            parseJson(runCli({QStringLiteral("hash"), a, QStringLiteral("--json"), QStringLiteral("--no-cache")}).out);
        QCOMPARE(fresh["files"][0]["cached"].get<bool>(), false);
    }

    void check()
    {
        QTemporaryDir dir;
        const QByteArray bytes = safetensorsImage({}, patternBytes(900, 3), true);
        const QString path = writeFile(dir, QStringLiteral("m.safetensors"), bytes);
        const QString right = sha256Of(bytes);
        CliRun run = runCli(
            {QStringLiteral("hash"), path, QStringLiteral("--check"), right.toUpper(), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(parseJson(run.out)["files"][0]["check"].get<std::string>(), std::string("match"));
        run = runCli({QStringLiteral("hash"), path, QStringLiteral("--check"), QString(64, QLatin1Char('0')),
                      QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(parseJson(run.out)["files"][0]["check"].get<std::string>(), std::string("mismatch"));
        run = runCli({QStringLiteral("hash"), path, QStringLiteral("--check"), QString(64, QLatin1Char('0'))});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.contains("MISMATCH"));
        run = runCli({QStringLiteral("hash"), path, QStringLiteral("--check"), QStringLiteral("abc")});
        QCOMPARE(run.exitCode, 2);
    }

    void claimedHashes()
    {
        const QByteArray data = patternBytes(4000, 4);
        const std::string dataHash = sha256Of(data).toStdString();
        QTemporaryDir dir;
        const QString good = writeFile(dir, QStringLiteral("good.safetensors"),
                                       safetensorsImage({{"sshs_model_hash", dataHash},
                                                         {"modelspec.hash_sha256", "0x" + dataHash},
                                                         {"sshs_legacy_hash", "e3b0c442"}},
                                                        data, true));
        CliRun run = runCli({QStringLiteral("hash"), good, QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        nlohmann::json claimed = parseJson(run.out)["files"][0]["claimed"];
        QCOMPARE(claimed.size(), size_t(3));
        for (const auto& claim : claimed)
            QCOMPARE(claim["verdict"].get<std::string>(), std::string("right"));

        const QString bad =
            writeFile(dir, QStringLiteral("bad.safetensors"),
                      safetensorsImage({{"sshs_model_hash", std::string(64, 'f')}, {"sshs_legacy_hash", "01234567"}},
                                       data, true));
        run = runCli({QStringLiteral("hash"), bad, QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 1);
        claimed = parseJson(run.out)["files"][0]["claimed"];
        QCOMPARE(claimed.size(), size_t(2));
        QCOMPARE(claimed[0]["key"].get<std::string>(), std::string("sshs_model_hash"));
        QCOMPARE(claimed[0]["verdict"].get<std::string>(), std::string("wrong"));
        QCOMPARE(claimed[0]["correct"].get<std::string>(), dataHash);
        QCOMPARE(claimed[1]["key"].get<std::string>(), std::string("sshs_legacy_hash"));
        QCOMPARE(claimed[1]["verdict"].get<std::string>(), std::string("cannot_tell"));
        // The text output says it too.
        run = runCli({QStringLiteral("hash"), bad});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.contains("WRONG"));
        // --sha256-only cannot check the data hash: no longer a failure.
        run = runCli({QStringLiteral("hash"), bad, QStringLiteral("--json"), QStringLiteral("--sha256-only"),
                      QStringLiteral("--no-cache")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(parseJson(run.out)["files"][0]["claimed"][0]["verdict"].get<std::string>(),
                 std::string("cannot_tell"));
    }

    void shardsAreAllHashed()
    {
        QTemporaryDir dir;
        const QByteArray one = rawFile(tensorJson("x", "F32", {2}, 0, 8).prepend('{').append('}'), patternBytes(8, 5));
        const QByteArray two = rawFile(tensorJson("y", "F32", {2}, 0, 8).prepend('{').append('}'), patternBytes(8, 6));
        const QString first = writeFile(dir, QStringLiteral("model-00001-of-00002.safetensors"), one);
        const QString second = writeFile(dir, QStringLiteral("model-00002-of-00002.safetensors"), two);
        writeFile(dir, QStringLiteral("model.safetensors.index.json"),
                  R"({"metadata":{"total_size":16},"weight_map":{"x":"model-00001-of-00002.safetensors",)"
                  R"("y":"model-00002-of-00002.safetensors"}})");
        const std::vector<PythonHashes> expected = pythonHashes({first, second});
        const CliRun run = runCli({QStringLiteral("hash"), dir.path(), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json files = parseJson(run.out)["files"];
        QCOMPARE(files.size(), size_t(2));
        QCOMPARE(QFileInfo(text(files[0]["path"])).fileName(), QFileInfo(first).fileName());
        QCOMPARE(text(files[0]["sha256"]), expected[0].sha256);
        QCOMPARE(text(files[1]["sha256"]), expected[1].sha256);
        QCOMPARE(text(files[1]["data_sha256"]), expected[1].dataSha256);
    }

    void errors()
    {
        QTemporaryDir dir;
        const QString good = writeFile(dir, QStringLiteral("m.safetensors"), safetensorsImage({}, "abcd", true));
        CliRun run = runCli({QStringLiteral("hash"), good, dir.filePath(QStringLiteral("missing.safetensors")),
                             QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 2);
        const nlohmann::json report = parseJson(run.out);
        QCOMPARE(report["files"].size(), size_t(1)); // the good file is still reported
        QCOMPARE(report["errors"].size(), size_t(1));
        QCOMPARE(runCli({QStringLiteral("hash")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("hash"), QStringLiteral("--help")}).exitCode, 0);
    }

private:
    QTemporaryDir m_cache;
};

QTEST_GUILESS_MAIN(TestCliHash)
#include "tst_cli_hash.moc"
