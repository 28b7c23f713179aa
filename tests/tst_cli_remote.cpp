// safescope-cli on remote locations, run as a user runs it, against a real nginx laid out like the Hub
// (tests/support/hubserver) with HF_ENDPOINT pointing at it: the same answers as for the local files, and only the
// bytes a command needs cross the network (counted from nginx's access log).
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/hubserver.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

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

/// A model with problems the health scan finds: a NaN, a duplicate pair, an all-zero tensor.
QByteArray sickModelBytes()
{
    QByteArray a = patternBytes(16, 3);
    a.replace(4, 4, QByteArray::fromHex("0000c07f")); // element 1 is NaN
    const QByteArray b = patternBytes(256, 5);
    const QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("a", "F32", {4}, 0, 16) + "," +
                              tensorJson("b", "F32", {64}, 16, 272) + "," + tensorJson("c", "F32", {64}, 272, 528) +
                              "," + tensorJson("z", "F32", {8}, 528, 560) + "}";
    return rawFile(header, a + b + b + QByteArray(32, 0));
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// The data region of a safetensors file's bytes (after 8 + N).
QByteArray dataRegion(const QByteArray& bytes)
{
    if (bytes.size() < 8)
        return {};
    quint64 n = 0;
    std::memcpy(&n, bytes.constData(), 8);
    return bytes.mid(static_cast<qsizetype>(8 + n));
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
        m_server.addFile(QStringLiteral("acme/sick"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         sickModelBytes());
        m_server.publish(QStringLiteral("acme/sick"), QStringLiteral("main"));
        // The Hub's listing says m_base's SHA-256, the file served is now another of the same size.
        m_server.addFile(QStringLiteral("acme/stale"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         m_base);
        m_server.publish(QStringLiteral("acme/stale"), QStringLiteral("main"));
        m_server.addFile(QStringLiteral("acme/stale"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         m_tuned);
        m_localSick = writeFile(m_dir, QStringLiteral("sick.safetensors"), sickModelBytes());
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
    }

    void metaOutputOfARemoteFileWritesALocalCopy()
    {
        const QString served = m_server.repoFolder(QStringLiteral("acme/base"), QStringLiteral("main")) +
                               QStringLiteral("/model.safetensors");
        const QString out = m_dir.path() + QStringLiteral("/edited.safetensors");
        const CliRun saved =
            runCli({QStringLiteral("meta"), QStringLiteral("hf://acme/base"), QStringLiteral("--set"),
                    QStringLiteral("license=mit"), QStringLiteral("--output"), out, QStringLiteral("--json")});
        QVERIFY2(saved.exitCode == 0, saved.err.constData());
        const QByteArray written = readAll(out);
        // The header has the edit and keeps the old key; every tensor byte is the remote file's.
        const CliRun meta = runCli({QStringLiteral("meta"), out, QStringLiteral("--json")});
        QVERIFY2(meta.exitCode == 0, meta.err.constData());
        const auto json = parseJson(meta.out);
        QVERIFY2(meta.out.contains("\"license\"") && meta.out.contains("\"mit\"") && meta.out.contains("\"pt\""),
                 meta.out.constData());
        QVERIFY(json.is_object());
        QCOMPARE(dataRegion(written), dataRegion(m_base));
        QCOMPARE(runCli({QStringLiteral("validate"), out}).exitCode, 0);
        // The values read back equal the local copy's.
        const CliRun stats = runCli({QStringLiteral("stats"), out, QStringLiteral("w"), QStringLiteral("--json")});
        const CliRun local =
            runCli({QStringLiteral("stats"), m_localBase, QStringLiteral("w"), QStringLiteral("--json")});
        QVERIFY2(parseJson(stats.out) == parseJson(local.out), stats.out.constData());
        // The file nginx serves is untouched.
        QCOMPARE(readAll(served), m_base);
    }

    void metaOutputOfARemoteShardedModelWritesAFolder()
    {
        // Two shards whose metadata differ, the second one's data far past the speculative header range.
        const QByteArray a = patternBytes(64 * 48 * 4, 5);
        const QByteArray b = patternBytes(256 * 256 * 4, 6);
        const QByteArray first = rawFile("{\"__metadata__\":{\"format\":\"pt\",\"part\":\"one\"}," +
                                             tensorJson("a", "F32", {64, 48}, 0, 12288) + "}",
                                         a);
        const QByteArray second =
            rawFile("{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("b", "F32", {256, 256}, 0, 262144) + "}", b);
        const QByteArray index = "{\"metadata\":{\"total_size\":274432},\"weight_map\":{\"a\":\"s-1.safetensors\","
                                 "\"b\":\"s-2.safetensors\"}}";
        const QString repo = QStringLiteral("acme/shards");
        m_server.addFile(repo, QStringLiteral("main"), QStringLiteral("s-1.safetensors"), first);
        m_server.addFile(repo, QStringLiteral("main"), QStringLiteral("s-2.safetensors"), second);
        m_server.addFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors.index.json"), index);
        m_server.publish(repo, QStringLiteral("main"));

        const QString out = m_dir.path() + QStringLiteral("/sharded-out");
        const CliRun saved =
            runCli({QStringLiteral("meta"), QStringLiteral("hf://acme/shards"), QStringLiteral("--set"),
                    QStringLiteral("license=mit"), QStringLiteral("--output"), out});
        QVERIFY2(saved.exitCode == 0, saved.err.constData());
        const QString savedIndex = out + QStringLiteral("/model.safetensors.index.json");
        QCOMPARE(readAll(savedIndex), index);
        QCOMPARE(dataRegion(readAll(out + QStringLiteral("/s-1.safetensors"))), dataRegion(first));
        QCOMPARE(dataRegion(readAll(out + QStringLiteral("/s-2.safetensors"))), dataRegion(second));
        QCOMPARE(runCli({QStringLiteral("validate"), savedIndex}).exitCode, 0);
        // Each shard has the edit and keeps its own keys.
        for (const auto& [name, part] :
             {std::pair{QStringLiteral("s-1"), true}, std::pair{QStringLiteral("s-2"), false}}) {
            const CliRun meta = runCli(
                {QStringLiteral("meta"), out + u'/' + name + QStringLiteral(".safetensors"), QStringLiteral("--json")});
            QVERIFY2(meta.exitCode == 0, meta.err.constData());
            QVERIFY2(meta.out.contains("\"license\"") && meta.out.contains("\"mit\""), meta.out.constData());
            QCOMPARE(meta.out.contains("\"part\""), part);
        }
    }

    void exportOfARemoteModelEqualsTheLocalExport_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::newRow("verbatim") << QStringList{};
        QTest::newRow("bf16 and a rename") << QStringList{QStringLiteral("--dtype"), QStringLiteral("BF16"),
                                                          QStringLiteral("--rename"), QStringLiteral("s/^w$/weight/")};
        QTest::newRow("f16, one tensor") << QStringList{QStringLiteral("--dtype"), QStringLiteral("F16"),
                                                        QStringLiteral("--include"), QStringLiteral("^w$")};
    }

    void exportOfARemoteModelEqualsTheLocalExport()
    {
        QFETCH(QStringList, options);
        const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-'));
        const QString remoteOut =
            m_dir.path() + QStringLiteral("/export-remote-") + tag + QStringLiteral(".safetensors");
        const QString localOut = m_dir.path() + QStringLiteral("/export-local-") + tag + QStringLiteral(".safetensors");
        const CliRun remote = runCli(
            QStringList{QStringLiteral("export"), QStringLiteral("hf://acme/base"), QStringLiteral("-o"), remoteOut} +
            options);
        QVERIFY2(remote.exitCode == 0, remote.err.constData());
        const CliRun local =
            runCli(QStringList{QStringLiteral("export"), m_localBase, QStringLiteral("-o"), localOut} + options);
        QVERIFY2(local.exitCode == 0, local.err.constData());
        const QByteArray bytes = readAll(remoteOut);
        QVERIFY(!bytes.isEmpty());
        QCOMPARE(bytes, readAll(localOut));
        QCOMPARE(remote.err, local.err); // the same conversion impact
    }

    void hashOfARemoteFileEqualsTheLocalHash()
    {
        const CliRun local = runCli({QStringLiteral("hash"), m_localBase, QStringLiteral("--json")});
        QVERIFY2(local.exitCode == 0, local.err.constData());
        const auto want = parseJson(local.out)["files"][0];
        // Every byte streamed through the hashers, and compared with the SHA-256 the Hub published.
        const CliRun remote =
            runCli({QStringLiteral("hash"), QStringLiteral("hf://acme/base"), QStringLiteral("--json")});
        QVERIFY2(remote.exitCode == 0, remote.err.constData());
        const auto got = parseJson(remote.out)["files"][0];
        for (const char* key : {"sha256", "data_sha256", "legacy_hash", "size"})
            QVERIFY2(got[key] == want[key], key);
        QCOMPARE(got["sha256_source"].get<std::string>(), std::string("computed"));
        QCOMPARE(got["published"].get<std::string>(), std::string("match"));

        // Only the SHA-256 asked: the published value, said to be so, and no byte of the file read.
        m_server.clearLog();
        const CliRun published = runCli({QStringLiteral("hash"), QStringLiteral("hf://acme/base"),
                                         QStringLiteral("--sha256-only"), QStringLiteral("--json")});
        QVERIFY2(published.exitCode == 0, published.err.constData());
        const auto quick = parseJson(published.out)["files"][0];
        QVERIFY(quick["sha256"] == want["sha256"]);
        QCOMPARE(quick["sha256_source"].get<std::string>(), std::string("published"));
        for (const auto& request : m_server.clientRequests())
            QVERIFY2(!request.uri.contains(QStringLiteral("/resolve/")) || request.range.startsWith("bytes=0-"),
                     qPrintable(request.uri));
        const CliRun text =
            runCli({QStringLiteral("hash"), QStringLiteral("hf://acme/base"), QStringLiteral("--sha256-only")});
        QVERIFY2(text.out.contains("published by the Hub, not verified"), text.out.constData());

        // A listing whose SHA-256 is not the served file's: taken as published, caught by --verify.
        QCOMPARE(runCli({QStringLiteral("hash"), QStringLiteral("hf://acme/stale"), QStringLiteral("--sha256-only")})
                     .exitCode,
                 0);
        const CliRun verified = runCli({QStringLiteral("hash"), QStringLiteral("hf://acme/stale"),
                                        QStringLiteral("--sha256-only"), QStringLiteral("--verify")});
        QCOMPARE(verified.exitCode, 1);
        QVERIFY2(verified.out.contains("MISMATCH"), verified.out.constData());
    }

    void checkOfARemoteModelEqualsTheLocalCheck()
    {
        const QStringList options{QStringLiteral("--json"), QStringLiteral("--fail-on"), QStringLiteral("none")};
        const CliRun remote = runCli(QStringList{QStringLiteral("check"), QStringLiteral("hf://acme/sick")} + options);
        QVERIFY2(remote.exitCode == 0, remote.err.constData());
        const CliRun local = runCli(QStringList{QStringLiteral("check"), m_localSick} + options);
        QVERIFY2(local.exitCode == 0, local.err.constData());
        const auto got = parseJson(remote.out);
        QVERIFY2(got == parseJson(local.out), remote.out.constData());
        // The scan found what the fixture holds, so the comparison is not between two empty reports.
        QVERIFY2(remote.out.contains("\"nan\"") && remote.out.contains("\"duplicate\"") &&
                     remote.out.contains("\"all_zero\""),
                 remote.out.constData());
        QCOMPARE(runCli({QStringLiteral("check"), QStringLiteral("hf://acme/sick")}).exitCode, 1);
    }

    // Qt Network and what it pulls in are loaded with the network module at a command's first request, never by
    // a command on local files: the dynamic loader's own log (glibc's LD_DEBUG) says which libraries a run loaded.
    void onlyRemoteCommandsLoadQtNetwork()
    {
#if !defined(__linux__) || !defined(__GLIBC__)
        QSKIP("reads glibc's loader log");
#else
        qputenv("LD_DEBUG", "files");
        const CliRun local =
            runCli({QStringLiteral("stats"), m_localBase, QStringLiteral("w"), QStringLiteral("--json")});
        const CliRun remote = runCli(
            {QStringLiteral("stats"), QStringLiteral("hf://acme/base"), QStringLiteral("w"), QStringLiteral("--json")});
        qunsetenv("LD_DEBUG");
        QCOMPARE(local.exitCode, 0);
        QCOMPARE(remote.exitCode, 0);
        QVERIFY2(local.err.contains("file=libQt6Core.so"), "the loader log lists the libraries a run loads");
        QVERIFY2(!local.err.contains("libQt6Network") && !local.err.contains("libsafescope_http"),
                 "a command on a local file loaded Qt Network");
        QVERIFY(remote.err.contains("libsafescope_http") && remote.err.contains("libQt6Network"));
        QVERIFY(parseJson(local.out)["mean"] == parseJson(remote.out)["mean"]);
#endif
    }

    // Without the module a remote command fails like any unreadable input (exit 2) and says what is missing; local
    // commands do not notice.
    void aMissingNetworkModuleIsAClearError()
    {
        const QString missing = m_dir.filePath(QStringLiteral("nowhere/libsafescope_http.so"));
        qputenv("SAFESCOPE_HTTP_MODULE", missing.toUtf8());
        const CliRun remote = runCli({QStringLiteral("info"), QStringLiteral("hf://acme/base")});
        const CliRun local = runCli({QStringLiteral("info"), m_localBase});
        qunsetenv("SAFESCOPE_HTTP_MODULE");
        QCOMPARE(remote.exitCode, 2);
        const QByteArray said = remote.out + remote.err;
        QVERIFY2(said.contains("network module") && said.contains(missing.toUtf8()), said.constData());
        QCOMPARE(local.exitCode, 0);
    }

private:
    QTemporaryDir m_dir;
    HubServer m_server;
    QByteArray m_base;
    QByteArray m_tuned;
    QString m_localBase;
    QString m_localTuned;
    QString m_localSick;
    QString m_bad;
};

QTEST_GUILESS_MAIN(TestCliRemote)
#include "tst_cli_remote.moc"
