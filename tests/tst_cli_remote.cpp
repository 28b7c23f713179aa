// safescope-cli on remote locations, run as a user runs it, against a real nginx laid out like the Hub
// (tests/support/hubserver) with HF_ENDPOINT pointing at it: the same answers as for the local files, and only the
// bytes a command needs cross the network (counted from nginx's access log).
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/hubserver.h"

#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

/// A model with F32 "w" [32, 16], BF16 "v" [8] and metadata; `seed` changes w's values.
QByteArray modelBytes(uint32_t seed)
{
    const QByteArray w = patternBytes(32 * 16 * 4, seed);
    const QByteArray v = patternBytes(16, 99);
    const QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("w", "F32", {32, 16}, 0, 2048) +
                              "," + tensorJson("v", "BF16", {8}, 2048, 2064) + "}";
    return rawFile(header, w + v);
}

uint64_t bodyBytes(const std::vector<HubServer::Request>& requests)
{
    uint64_t total = 0;
    for (const auto& request : requests)
        total += request.bodyBytes;
    return total;
}

} // namespace

class TestCliRemote : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest");
        QVERIFY(m_dir.isValid());
        // The CLI runs as a child process: it reads these from the environment it inherits.
        qputenv("SAFESCOPE_REMOTE_CACHE_DIR", m_dir.path().toUtf8() + "/cache");
        qputenv("XDG_CACHE_HOME", m_dir.path().toUtf8() + "/xdg");
        qputenv("HF_HOME", m_dir.path().toUtf8() + "/hfhome");
        qunsetenv("HF_TOKEN");
        QVERIFY2(m_server.start(), qPrintable(m_server.errorText()));
        qputenv("HF_ENDPOINT", m_server.endpoint().toUtf8());
        m_base = modelBytes(1);
        m_tuned = modelBytes(2);
        m_server.addFile(QStringLiteral("acme/base"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         m_base);
        m_server.publish(QStringLiteral("acme/base"), QStringLiteral("main"));
        m_server.addFile(QStringLiteral("acme/copy"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         m_base);
        m_server.publish(QStringLiteral("acme/copy"), QStringLiteral("main"));
        m_localBase = writeFile(m_dir, QStringLiteral("base.safetensors"), m_base);
        m_localTuned = writeFile(m_dir, QStringLiteral("tuned.safetensors"), m_tuned);
        m_bad = m_server.addPlainFile(QStringLiteral("bad.safetensors"),
                                      rawFile("{" + tensorJson("x", "F32", {4}, 0, 12) + "}", QByteArray(12, 0)));
    }

    void infoMatchesLocalAndReadsOneRange()
    {
        m_server.clearLog();
        const CliRun remote =
            runCli({QStringLiteral("info"), QStringLiteral("hf://acme/base"), QStringLiteral("--json")});
        QCOMPARE(remote.exitCode, 0);
        const auto requests = m_server.clientRequests();
        // The API listing and one range of the file; the bodies are that listing and the file (smaller than a range).
        QCOMPARE(requests.size(), size_t(2));
        QVERIFY(bodyBytes(requests) < uint64_t(m_base.size()) + 2000);
        const CliRun local = runCli({QStringLiteral("info"), m_localBase, QStringLiteral("--json")});
        const auto r = parseJson(remote.out);
        const auto l = parseJson(local.out);
        auto tensors = r["tensors"];
        for (auto& tensor : tensors) // the file is named by its URL's last segment
            tensor["file"] = "base.safetensors";
        QVERIFY(tensors == l["tensors"]);
        QVERIFY(r["metadata"] == l["metadata"]);
        QVERIFY(r["parameters"] == l["parameters"]);
        // The Hub's LFS oid is shown for the remote file.
        QCOMPARE(QString::fromStdString(r["files"][0]["sha256"].get<std::string>()).size(), 64);
    }

    void validate()
    {
        QCOMPARE(runCli({QStringLiteral("validate"), QStringLiteral("hf://acme/base")}).exitCode, 0);
        const CliRun bad = runCli({QStringLiteral("validate"), m_bad, QStringLiteral("--json")});
        QCOMPARE(bad.exitCode, 1);
        const auto json = parseJson(bad.out);
        QCOMPARE(json["error"]["kind"].get<std::string>(), std::string("TensorInvalidInfo"));
        const CliRun missing = runCli({QStringLiteral("validate"), QStringLiteral("hf://acme/none")});
        QCOMPARE(missing.exitCode, 2);
        const QByteArray said = missing.out + missing.err;
        QVERIFY2(said.contains("404") && said.contains("hf://acme/none"), said.constData());
    }

    void statsAndSliceMatchLocal()
    {
        for (const char* tensor : {"w", "v"}) {
            const CliRun remote = runCli({QStringLiteral("stats"), QStringLiteral("hf://acme/base"),
                                          QString::fromLatin1(tensor), QStringLiteral("--json")});
            QCOMPARE(remote.exitCode, 0);
            const CliRun local =
                runCli({QStringLiteral("stats"), m_localBase, QString::fromLatin1(tensor), QStringLiteral("--json")});
            QVERIFY2(parseJson(remote.out) == parseJson(local.out), remote.out.constData());
        }
        const QStringList window{QStringLiteral("--rows"), QStringLiteral("3:7"), QStringLiteral("--cols"),
                                 QStringLiteral("2:9"), QStringLiteral("--json")};
        const CliRun remote = runCli(
            QStringList{QStringLiteral("slice"), QStringLiteral("hf://acme/base"), QStringLiteral("w")} + window);
        QCOMPARE(remote.exitCode, 0);
        const CliRun local = runCli(QStringList{QStringLiteral("slice"), m_localBase, QStringLiteral("w")} + window);
        QVERIFY2(parseJson(remote.out) == parseJson(local.out), remote.out.constData());
    }

    void diffRecognisesIdenticalFilesBySha256()
    {
        // Local base against the Hub's copy of it: identical from the published SHA-256, no tensor byte fetched.
        m_server.clearLog();
        const CliRun same = runCli(
            {QStringLiteral("diff"), m_localBase, QStringLiteral("hf://acme/base"), QStringLiteral("--fail-on-diff")});
        QCOMPARE(same.exitCode, 0);
        QVERIFY2(same.err.contains("2 pairs identical by published SHA-256, 0 tensor bytes fetched"),
                 same.err.constData());
        for (const auto& request : m_server.clientRequests())
            QVERIFY2(request.range.isEmpty() || request.range.startsWith("bytes=0-"), request.range.constData());
        // Remote against remote.
        const CliRun both =
            runCli({QStringLiteral("diff"), QStringLiteral("hf://acme/copy"), QStringLiteral("hf://acme/base"),
                    QStringLiteral("--json"), QStringLiteral("--fail-on-diff")});
        QCOMPARE(both.exitCode, 0);
    }

    void diffOfAFineTuneMatchesLocalDiff()
    {
        const CliRun remote =
            runCli({QStringLiteral("diff"), m_localTuned, QStringLiteral("hf://acme/base"), QStringLiteral("--json")});
        QCOMPARE(remote.exitCode, 0);
        const CliRun local = runCli({QStringLiteral("diff"), m_localTuned, m_localBase, QStringLiteral("--json")});
        QCOMPARE(local.exitCode, 0);
        QVERIFY2(parseJson(remote.out)["tensors"] == parseJson(local.out)["tensors"], remote.out.constData());
        QVERIFY2(parseJson(remote.out)["summary"] == parseJson(local.out)["summary"], remote.out.constData());
    }

    void remoteModelsAreNeverSavedInPlace()
    {
        const CliRun meta = runCli(
            {QStringLiteral("meta"), QStringLiteral("hf://acme/base"), QStringLiteral("--set"), QStringLiteral("k=v")});
        QCOMPARE(meta.exitCode, 2);
        QVERIFY2(meta.err.contains("--output"), meta.err.constData());
        // Reading the metadata works.
        const CliRun read = runCli({QStringLiteral("meta"), QStringLiteral("hf://acme/base")});
        QVERIFY2(read.exitCode == 0, read.err.constData());
        QVERIFY2(read.out.contains("format"), read.out.constData());
        const CliRun exported = runCli({QStringLiteral("export"), QStringLiteral("hf://acme/base"),
                                        QStringLiteral("-o"), m_dir.path() + QStringLiteral("/out")});
        QCOMPARE(exported.exitCode, 2);
        QVERIFY2(exported.err.contains("local files only"), exported.err.constData());
    }

private:
    QTemporaryDir m_dir;
    HubServer m_server;
    QByteArray m_base;
    QByteArray m_tuned;
    QString m_localBase;
    QString m_localTuned;
    QString m_bad;
};

QTEST_GUILESS_MAIN(TestCliRemote)
#include "tst_cli_remote.moc"
