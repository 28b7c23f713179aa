// safescope-cli on the quantized weights of remote models (issue 17's gap): an FP8 block-scaled and a GPTQ model with
// their config.json served by a real nginx laid out like the Hub (tests/support/hubserver). stats, slice and
// export --dtype read the dequantized values over the network and answer exactly what they answer for the local copy.
#include "support/clirun.h"
#include "support/hubserver.h"
#include "support/quantmodels.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestCliRemoteQuant : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest");
        QVERIFY(m_dir.isValid());
        qputenv("SAFESCOPE_REMOTE_CACHE_DIR", m_dir.path().toUtf8() + "/cache");
        qputenv("XDG_CACHE_HOME", m_dir.path().toUtf8() + "/xdg");
        qputenv("HF_HOME", m_dir.path().toUtf8() + "/hfhome");
        qunsetenv("HF_TOKEN");
        QVERIFY2(m_server.start(), qPrintable(m_server.errorText()));
        qputenv("HF_ENDPOINT", m_server.endpoint().toUtf8());

        m_fp8 = writeFp8Model(m_fp8Dir, m_fp8Values);
        TensorFileBuilder gptq;
        buildGptq(gptq, {4, true, false}); // int4, act-order, the v1 zero-point convention
        m_gptq = writeFile(m_gptqDir, QStringLiteral("model.safetensors"), gptq.build());
        writeFile(m_gptqDir, QStringLiteral("config.json"), gptqConfig({4, true, false}));
        for (const auto& [repo, dir] : {std::pair{QStringLiteral("acme/fp8"), m_fp8Dir.path()},
                                        std::pair{QStringLiteral("acme/gptq"), m_gptqDir.path()}}) {
            for (const QString& name : {QStringLiteral("model.safetensors"), QStringLiteral("config.json")})
                m_server.addFile(repo, QStringLiteral("main"), name, readAll(dir + u'/' + name));
            m_server.publish(repo, QStringLiteral("main"));
        }
        // The same weights with no config file beside them.
        m_server.addFile(QStringLiteral("acme/bare"), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                         readAll(m_fp8));
        m_server.publish(QStringLiteral("acme/bare"), QStringLiteral("main"));
    }

    // A plain URL has no listing: the config files beside it are asked for by name, so its quantized weights are
    // recognised as the local copy's are, and a folder without them reports nothing missing.
    void plainUrlReadsTheConfigBesideIt()
    {
        const QString url = m_server.endpoint() + QStringLiteral("/acme/fp8/resolve/main/model.safetensors");
        const CliRun remote = runCli({QStringLiteral("info"), url, QStringLiteral("--json")});
        QVERIFY2(remote.exitCode == 0, remote.err.constData());
        const CliRun local = runCli({QStringLiteral("info"), m_fp8, QStringLiteral("--json")});
        const nlohmann::json remoteInfo = parseJson(remote.out);
        const nlohmann::json localInfo = parseJson(local.out);
        QVERIFY2(!localInfo.at("quantized").empty(), local.out.constData());
        QVERIFY2(remoteInfo.at("quantized") == localInfo.at("quantized"), remote.out.constData());
        QVERIFY2(remoteInfo.at("parameters") == localInfo.at("parameters"), remote.out.constData());

        const QString bare = m_server.endpoint() + QStringLiteral("/acme/bare/resolve/main/model.safetensors");
        const CliRun bareInfo = runCli({QStringLiteral("info"), bare, QStringLiteral("--json")});
        QVERIFY2(bareInfo.exitCode == 0, bareInfo.err.constData());
        QVERIFY2(!bareInfo.out.contains("QuantConfigUnreadable") && !bareInfo.err.contains("QuantConfigUnreadable"),
                 bareInfo.out.constData());
        QVERIFY2(!bareInfo.out.contains("404") && !bareInfo.err.contains("404"), bareInfo.err.constData());
    }

    void statsAndSliceMatchLocal_data()
    {
        QTest::addColumn<QString>("repo");
        QTest::addColumn<QString>("local");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("scheme");
        QTest::newRow("fp8 block") << QStringLiteral("hf://acme/fp8") << m_fp8 << QStringLiteral("layers.0.mlp.weight")
                                   << QStringLiteral("fp8");
        QTest::newRow("gptq act-order") << QStringLiteral("hf://acme/gptq") << m_gptq
                                        << QStringLiteral("model.layers.0.self_attn.q_proj.weight")
                                        << QStringLiteral("gptq");
    }

    void statsAndSliceMatchLocal()
    {
        QFETCH(QString, repo);
        QFETCH(QString, local);
        QFETCH(QString, tensor);
        QFETCH(QString, scheme);
        const CliRun remoteStats = runCli({QStringLiteral("stats"), repo, tensor, QStringLiteral("--json")});
        QVERIFY2(remoteStats.exitCode == 0, remoteStats.err.constData());
        const CliRun localStats = runCli({QStringLiteral("stats"), local, tensor, QStringLiteral("--json")});
        QVERIFY2(localStats.exitCode == 0, localStats.err.constData());
        const nlohmann::json stats = parseJson(remoteStats.out);
        QCOMPARE(stats.at("dequantized").get<bool>(), true);
        QCOMPARE(QString::fromStdString(stats.at("scheme").get<std::string>()), scheme);
        QVERIFY2(stats == parseJson(localStats.out), remoteStats.out.constData());
        // The text form too (it names no path).
        const CliRun remoteText = runCli({QStringLiteral("stats"), repo, tensor});
        QCOMPARE(remoteText.exitCode, 0);
        QCOMPARE(remoteText.out, runCli({QStringLiteral("stats"), local, tensor}).out);

        const QStringList window{QStringLiteral("--rows"), QStringLiteral("1:4"), QStringLiteral("--cols"),
                                 QStringLiteral("2:6"), QStringLiteral("--json")};
        const CliRun remoteSlice = runCli(QStringList{QStringLiteral("slice"), repo, tensor} + window);
        QVERIFY2(remoteSlice.exitCode == 0, remoteSlice.err.constData());
        const CliRun localSlice = runCli(QStringList{QStringLiteral("slice"), local, tensor} + window);
        const nlohmann::json slice = parseJson(remoteSlice.out);
        QCOMPARE(slice.at("dequantized").get<bool>(), true);
        QVERIFY2(slice == parseJson(localSlice.out), remoteSlice.out.constData());
    }

    void exportDtypeMatchesLocal_data()
    {
        QTest::addColumn<QString>("repo");
        QTest::addColumn<QString>("local");
        QTest::newRow("fp8 block") << QStringLiteral("hf://acme/fp8") << m_fp8;
        QTest::newRow("gptq act-order") << QStringLiteral("hf://acme/gptq") << m_gptq;
    }

    void exportDtypeMatchesLocal()
    {
        QFETCH(QString, repo);
        QFETCH(QString, local);
        const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-'));
        const QString remoteOut = m_dir.path() + QStringLiteral("/remote-") + tag + QStringLiteral(".safetensors");
        const QString localOut = m_dir.path() + QStringLiteral("/local-") + tag + QStringLiteral(".safetensors");
        const QStringList options{QStringLiteral("--dtype"), QStringLiteral("BF16")};
        const CliRun remote =
            runCli(QStringList{QStringLiteral("export"), repo, QStringLiteral("-o"), remoteOut} + options);
        QVERIFY2(remote.exitCode == 0, remote.err.constData());
        const CliRun localRun =
            runCli(QStringList{QStringLiteral("export"), local, QStringLiteral("-o"), localOut} + options);
        QVERIFY2(localRun.exitCode == 0, localRun.err.constData());
        QVERIFY2(remote.err.contains("dequantized to BF16"), remote.err.constData());
        const QByteArray bytes = readAll(remoteOut);
        QVERIFY(!bytes.isEmpty());
        QCOMPARE(bytes, readAll(localOut));
        QCOMPARE(remote.err, localRun.err); // the same conversion impact and the same parts dropped
    }

    // The float original against its FP8 quantization on the Hub: the weight is paired by its logical name and
    // dequantized from its fetched parts, so the report is the local one (quantization error, SQNR), not a
    // comparison of stored codes against floats.
    void diffOfRemoteQuantizationMatchesLocal()
    {
        std::vector<float> original;
        for (size_t i = 0; i < m_fp8Values.size(); ++i)
            original.push_back(m_fp8Values[i] * (1.0f + 0.01f * static_cast<float>(static_cast<int>(i % 7) - 3)));
        TensorFileBuilder file;
        file.add("layers.0.mlp.weight", "F32", {5, 7}, bytesOf(original))
            .add("layers.0.norm.weight", "F32", {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
        QTemporaryDir originalDir;
        const QString originalPath = writeFile(originalDir, QStringLiteral("model.safetensors"), file.build());

        const CliRun remote =
            runCli({QStringLiteral("diff"), originalPath, QStringLiteral("hf://acme/fp8"), QStringLiteral("--json")});
        QVERIFY2(remote.exitCode == 0, remote.err.constData());
        const CliRun local = runCli({QStringLiteral("diff"), originalPath, m_fp8, QStringLiteral("--json")});
        QVERIFY2(local.exitCode == 0, local.err.constData());
        const nlohmann::json remoteReport = parseJson(remote.out);
        const nlohmann::json localReport = parseJson(local.out);
        const nlohmann::json& tensors = remoteReport.at("tensors");
        QCOMPARE(tensors.size(), size_t(2)); // the scale is folded under its weight, no pair of its own
        bool weightSeen = false;
        for (const nlohmann::json& t : tensors) {
            if (t.at("name") != "layers.0.mlp.weight")
                continue;
            weightSeen = true;
            QCOMPARE(t.at("scheme_b").get<std::string>(), std::string("fp8"));
            QVERIFY2(t.contains("sqnr_db") && t.at("sqnr_db").get<double>() > 20.0, t.dump().c_str());
        }
        QVERIFY(weightSeen);
        QVERIFY2(tensors == localReport.at("tensors"), remote.out.constData());
        QVERIFY2(remoteReport.at("summary") == localReport.at("summary"), remote.out.constData());

        // The text form says what crossed the network: the weight's two parts, fetched.
        const CliRun text = runCli({QStringLiteral("diff"), originalPath, QStringLiteral("hf://acme/fp8")});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY2(text.out.contains("(dequantized: - vs fp8)"), text.out.constData());
        QVERIFY2(text.err.contains(" tensor bytes fetched") && !text.err.contains(" 0 tensor bytes fetched"),
                 text.err.constData());
    }

private:
    QTemporaryDir m_dir;
    QTemporaryDir m_fp8Dir;
    QTemporaryDir m_gptqDir;
    HubServer m_server;
    QString m_fp8;
    QString m_gptq;
    std::vector<float> m_fp8Values; ///< the FP8 model's weight, dequantized by the fixture's own formula
};

QTEST_GUILESS_MAIN(TestCliRemoteQuant)
#include "tst_cli_remotequant.moc"
