// `safescope-cli info` and the window's Overview print a model's facts in the same words and numbers: both take
// them from core (ModelFacts, core/text/format.h). They once disagreed ("1.5 KiB" in the CLI, "1.50 KiB" in the
// window, for the same file).
#include "support/clirun.h"
#include "support/fixtures.h"
#include "support/isolatedsettings.h"
#include "support/openedwindow.h"
#include "ui/pages/overviewpage.h"
#include "ui/window/documentview.h"
#include "ui/window/mainwindow.h"
#include "ui/window/modelview.h"

#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr int kTimeoutMs = 20000;

// The text after "Label" and its column padding on the CLI line that starts with it; empty when there is none.
QString cliField(const QByteArray& output, const QByteArray& label)
{
    for (const QByteArray& line : output.split('\n'))
        if (line.startsWith(QByteArray(label + ' ')))
            return QString::fromUtf8(line.mid(label.size())).trimmed();
    return {};
}

} // namespace

class TestSharedText : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        isolateSettings(QStringLiteral("tst_sharedtext"), m_dir.path());
        QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest");
    }

    void infoAndOverviewAgree()
    {
        // 1,200 BF16 and 3 F32 parameters: sizes in KiB with a fraction, a parameter count past 1,000 (so the
        // compact form shows), and a config whose KV cache is 32,000 bytes.
        QTemporaryDir dir;
        const QByteArray header = '{' +
                                  tensorJson("model.layers.0.self_attn.k_proj.weight", "BF16", {40, 30}, 0, 2400) +
                                  ',' + tensorJson("model.norm.weight", "F32", {3}, 2400, 2412) + '}';
        writeFile(dir, QStringLiteral("model.safetensors"), rawFile(header, patternBytes(2412)));
        writeFile(dir, QStringLiteral("config.json"),
                  "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":8,"
                  "\"num_hidden_layers\":2,\"num_attention_heads\":2,\"num_key_value_heads\":1,"
                  "\"torch_dtype\":\"bfloat16\",\"vocab_size\":100,\"max_position_embeddings\":2048}");

        const CliRun info = runCli({QStringLiteral("info"), dir.path()});
        QCOMPARE(info.exitCode, 0);

        MainWindow window;
        DocumentView* document = openAndWait(window, dir.path(), kTimeoutMs);
        QVERIFY(document);
        const OverviewPage* overview = document->modelView()->overviewPage();

        // Source      folder, 1 file, <file size>
        const QString source = cliField(info.out, "Source");
        const QString fileSize = overview->fact(QStringLiteral("File size"));
        QVERIFY2(fileSize.contains(QStringLiteral("KiB  (")), qPrintable(fileSize));
        QVERIFY2(source.endsWith(QStringLiteral(", 1 file, ") + fileSize), qPrintable(source + u'|' + fileSize));

        QCOMPARE(cliField(info.out, "Tensors"), overview->fact(QStringLiteral("Tensors")));
        QCOMPARE(overview->fact(QStringLiteral("Parameters")), QStringLiteral("1,203  (1.20 K)"));
        QCOMPARE(cliField(info.out, "Parameters"), overview->fact(QStringLiteral("Parameters")) + u" (logical)");

        // Stored      1,203 parameters, <bits> bits per logical weight
        QCOMPARE(cliField(info.out, "Stored"), QStringLiteral("1,203 parameters, %1 bits per logical weight")
                                                   .arg(overview->fact(QStringLiteral("Bits per weight"))));

        // Memory      <the Overview's sentence> (<formula>)
        const QString memory = overview->fact(QStringLiteral("Memory"));
        QCOMPARE(memory, QStringLiteral("weights 2.36 KiB as stored, 2.35 KiB as BF16; KV cache 31.3 KiB per 1,000 "
                                        "tokens of context"));
        QVERIFY2(cliField(info.out, "Memory").startsWith(memory + QStringLiteral(" (")),
                 qPrintable(cliField(info.out, "Memory")));

        // The per-dtype table prints sizes with the same formatter: BF16 holds 2,400 bytes.
        QVERIFY2(info.out.contains("2.34 KiB  in 1 tensor\n"), info.out.constData());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestSharedText)
#include "tst_sharedtext.moc"
