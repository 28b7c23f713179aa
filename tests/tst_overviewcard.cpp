// The Overview page shows config.json facts, the layout summary and the memory figures (issue 14, "What the user
// sees"), from what ModelLoader computed off the GUI thread.
#include "core/modelinfo/architecturesummary.h"
#include "support/fixtures.h"
#include "ui/window/modelloader.h"
#include "ui/pages/overviewpage.h"

#include <QLabel>
#include <QTemporaryDir>
#include <QTest>

using namespace safescope;
using namespace safescope::test;

namespace {

std::shared_ptr<const LoadedModel> load(const QString& path)
{
    auto opened = Model::open(path);
    if (!opened)
        return nullptr;
    auto loaded = std::make_shared<LoadedModel>();
    loaded->model = *opened;
    loaded->tree = TensorTree::build(loaded->model);
    loaded->summary = ModelSummary::compute(*loaded->tree);
    loaded->card = readModelCard(path);
    loaded->architecture = architectureSummary(*loaded->model);
    return loaded;
}

} // namespace

class TestOverviewCard : public QObject
{
    Q_OBJECT

private slots:
    void showsConfigLayoutAndMemory()
    {
        QTemporaryDir dir;
        writeFile(dir, QStringLiteral("model.safetensors"),
                  rawFile('{' + tensorJson("model.layers.0.self_attn.q_proj.weight", "BF16", {4}, 0, 8) + ',' +
                              tensorJson("model.layers.1.self_attn.q_proj.weight", "BF16", {4}, 8, 16) + '}',
                          QByteArray(16, '\0')));
        writeFile(dir, QStringLiteral("config.json"),
                  R"({"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":8,
                      "num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"torch_dtype":"bfloat16",
                      "vocab_size":100,"max_position_embeddings":2048})");
        const auto loaded = load(dir.path());
        QVERIFY(loaded);
        OverviewPage page;
        page.setModel(loaded);
        QCOMPARE(page.fact(QStringLiteral("Architecture")), QStringLiteral("LlamaForCausalLM  (model_type llama)"));
        QCOMPARE(page.fact(QStringLiteral("Dimensions")), QStringLiteral("hidden 8, 2 layers, 2 heads, 1 KV heads"));
        QCOMPARE(page.fact(QStringLiteral("Layout")), QStringLiteral("2 x DecoderLayer: attention {q}"));
        // 2 x 2 layers x 1 KV head x 4 dims x 2 bytes x 1,000 tokens = 32,000 bytes.
        QCOMPARE(page.fact(QStringLiteral("Memory")),
                 QStringLiteral("weights 16 B as stored, 16 B as BF16; KV cache 31.3 KiB per 1,000 tokens of context"));
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("Memory"))->toolTip().contains(QStringLiteral("1 KV heads")));

        // Without a config: no config facts, still the layout and the weights.
        QFile::remove(dir.filePath(QStringLiteral("config.json")));
        page.setModel(load(dir.path()));
        QVERIFY(page.fact(QStringLiteral("Architecture")).isEmpty());
        QCOMPARE(page.fact(QStringLiteral("Memory")), QStringLiteral("weights 16 B as stored, 16 B as BF16"));
    }

    void brokenConfigIsAProblemNotAFailure()
    {
        QTemporaryDir dir;
        writeFile(dir, QStringLiteral("model.safetensors"),
                  rawFile('{' + tensorJson("w", "F32", {1}, 0, 4) + '}', QByteArray(4, '\0')));
        writeFile(dir, QStringLiteral("config.json"), "{\"hidden_size\": [");
        OverviewPage page;
        page.setModel(load(dir.path()));
        QVERIFY2(page.fact(QStringLiteral("Config problem")).contains(QStringLiteral("not valid JSON")),
                 qPrintable(page.fact(QStringLiteral("Config problem"))));
        QVERIFY(page.fact(QStringLiteral("Layout")).isEmpty());
    }
};

QTEST_MAIN(TestOverviewCard)
#include "tst_overviewcard.moc"
