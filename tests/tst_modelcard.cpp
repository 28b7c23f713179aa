// config.json facts (ModelCard), the KV-cache formula, and the architecture summary rebuilt from tensor names.
#include "core/modelinfo/architecturesummary.h"
#include "core/io/localpath.h"
#include "core/modelinfo/modelcard.h"
#include "support/clirun.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <string>
#include <sys/stat.h>
#include <vector>

using namespace safescope;
using namespace safescope::test;

namespace {

struct Named
{
    std::string name;
    std::vector<uint64_t> shape;
};
using NameList = std::vector<Named>;

void add(NameList& out, const std::string& name, std::vector<uint64_t> shape = {1})
{
    out.push_back({name, std::move(shape)});
}

NameList llamaNames(int layers)
{
    NameList out;
    add(out, "model.embed_tokens.weight");
    for (int l = 0; l < layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        for (const char* m : {"q_proj", "k_proj", "v_proj", "o_proj"})
            add(out, p + "self_attn." + m + ".weight");
        for (const char* m : {"gate_proj", "up_proj", "down_proj"})
            add(out, p + "mlp." + m + ".weight");
        add(out, p + "input_layernorm.weight");
        add(out, p + "post_attention_layernorm.weight");
    }
    add(out, "model.norm.weight");
    add(out, "lm_head.weight");
    return out;
}

NameList deepseekNames()
{
    NameList out;
    add(out, "model.embed_tokens.weight");
    for (int l = 0; l < 61; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        for (const char* m : {"q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"}) {
            add(out, p + "self_attn." + m + ".weight");
            add(out, p + "self_attn." + m + ".weight_scale_inv");
        }
        add(out, p + "self_attn.q_a_layernorm.weight");
        add(out, p + "self_attn.kv_a_layernorm.weight");
        if (l < 3) {
            for (const char* m : {"gate_proj", "up_proj", "down_proj"})
                add(out, p + "mlp." + m + ".weight");
            continue;
        }
        add(out, p + "mlp.gate.weight");
        add(out, p + "mlp.gate.e_score_correction_bias");
        for (int e = 0; e < 256; ++e)
            for (const char* m : {"gate_proj", "up_proj", "down_proj"}) {
                add(out, p + "mlp.experts." + std::to_string(e) + "." + m + ".weight");
                add(out, p + "mlp.experts." + std::to_string(e) + "." + m + ".weight_scale_inv");
            }
        for (const char* m : {"gate_proj", "up_proj", "down_proj"})
            add(out, p + "mlp.shared_experts." + m + ".weight");
    }
    add(out, "model.norm.weight");
    add(out, "lm_head.weight");
    return out;
}

NameList mixtralNames()
{
    NameList out;
    for (int l = 0; l < 32; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        for (const char* m : {"q_proj", "k_proj", "v_proj", "o_proj"})
            add(out, p + "self_attn." + m + ".weight");
        add(out, p + "block_sparse_moe.gate.weight");
        for (int e = 0; e < 8; ++e)
            for (const char* m : {"w1", "w2", "w3"})
                add(out, p + "block_sparse_moe.experts." + std::to_string(e) + "." + m + ".weight");
    }
    add(out, "lm_head.weight");
    add(out, "model.embed_tokens.weight");
    return out;
}

NameList gptOssNames()
{
    NameList out;
    for (int l = 0; l < 24; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        for (const char* m : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
            add(out, p + "self_attn." + m + ".weight");
            add(out, p + "self_attn." + m + ".bias");
        }
        add(out, p + "self_attn.sinks", {64});
        add(out, p + "mlp.router.weight", {32, 2880});
        add(out, p + "mlp.router.bias", {32});
        add(out, p + "mlp.experts.gate_up_proj_blocks", {32, 5760, 90, 16});
        add(out, p + "mlp.experts.gate_up_proj_scales", {32, 5760, 90});
        add(out, p + "mlp.experts.gate_up_proj_bias", {32, 5760});
        add(out, p + "mlp.experts.down_proj_blocks", {32, 2880, 90, 16});
        add(out, p + "mlp.experts.down_proj_scales", {32, 2880, 90});
        add(out, p + "mlp.experts.down_proj_bias", {32, 2880});
    }
    add(out, "model.embed_tokens.weight");
    add(out, "model.norm.weight");
    add(out, "lm_head.weight");
    return out;
}

std::vector<std::string> summarize(const NameList& names)
{
    std::vector<NamedShape> tensors;
    for (const Named& named : names)
        tensors.push_back({named.name, named.shape});
    return summarizeArchitecture(tensors);
}

QString writeConfig(const QTemporaryDir& dir, const QByteArray& json)
{
    return writeFile(dir, QStringLiteral("config.json"), json);
}

} // namespace

Q_DECLARE_METATYPE(NameList)

class TestModelCard : public QObject
{
    Q_OBJECT

private slots:
    void architecture_data();
    void architecture();
    void noLayerStack();
    void groupedQueryAttention();
    void nestedTextConfigWithSlidingLayers();
    void deepseekLatentAttention();
    void unusedSlidingWindowIsIgnored();
    void malformedConfigs_data();
    void malformedConfigs();
    void wrongFieldTypeKeepsTheRest();
    void configBesideFileOrFolder();
    void fifoConfigDoesNotHang();
    void cliInfoShowsConfig();
};

void TestModelCard::architecture_data()
{
    QTest::addColumn<NameList>("names");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("llama") << llamaNames(32)
                           << QStringList{
                                  QStringLiteral("32 x DecoderLayer: attention {q, k, v, o}, MLP {gate, up, down}"),
                                  QStringLiteral("outside the layers: embed_tokens, norm, lm_head")};
    QTest::newRow("deepseek-v3")
        << deepseekNames()
        << QStringList{QStringLiteral("61 x DecoderLayer: attention {q_a, q_b, kv_a, kv_b, o}; layers 0-2: MLP {gate, "
                                      "up, down}; layers 3-60: MoE {256 experts x 3 + shared, router}"),
                       QStringLiteral("outside the layers: embed_tokens, norm, lm_head")};
    QTest::newRow("mixtral") << mixtralNames()
                             << QStringList{
                                    QStringLiteral("32 x DecoderLayer: attention {q, k, v, o}, MoE {8 experts x "
                                                   "3, router}"),
                                    QStringLiteral("outside the layers: embed_tokens, lm_head")};
    QTest::newRow("gpt-oss") << gptOssNames()
                             << QStringList{
                                    QStringLiteral("24 x DecoderLayer: attention {q, k, v, o}, MoE {32 experts x "
                                                   "2, router}"),
                                    QStringLiteral("outside the layers: embed_tokens, norm, lm_head")};
}

void TestModelCard::architecture()
{
    QFETCH(NameList, names);
    QFETCH(QStringList, expected);
    QStringList actual;
    for (const std::string& line : summarize(names))
        actual << QString::fromStdString(line);
    QCOMPARE(actual, expected);
}

void TestModelCard::noLayerStack()
{
    NameList names;
    add(names, "a.x");
    add(names, "encoder.weight");
    QVERIFY(summarize(names).empty());
    QVERIFY(summarize({}).empty());
}

void TestModelCard::groupedQueryAttention()
{
    // Llama-3-8B: 32 layers, 32 heads sharing 8 KV heads of 128 dims, BF16.
    const ModelCard card = parseModelCard(R"({"architectures":["LlamaForCausalLM"],"model_type":"llama",
        "hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,
        "intermediate_size":14336,"vocab_size":128256,"max_position_embeddings":8192,"torch_dtype":"bfloat16"})",
                                          QStringLiteral("config.json"));
    QVERIFY(card.problems.empty());
    QCOMPARE(card.architectures, std::vector<std::string>{"LlamaForCausalLM"});
    QCOMPARE(card.modelType, std::string("llama"));
    QCOMPARE(card.kvHeads, std::optional<uint64_t>(8));
    QCOMPARE(card.vocabSize, std::optional<uint64_t>(128256));
    QCOMPARE(card.kvCacheBytes(1000), std::optional<uint64_t>(uint64_t{2} * 32 * 8 * 128 * 2 * 1000)); // 125 MiB
    QCOMPARE(card.kvCacheFormula(1000),
             std::string("2 x 32 layers x 8 KV heads x 128 head_dim x 2 bytes (bfloat16) x 1000 tokens"));
}

void TestModelCard::nestedTextConfigWithSlidingLayers()
{
    // Gemma-3-like: the language model under text_config, three sliding layers of window 512 and one full one.
    const ModelCard card = parseModelCard(R"({"architectures":["Gemma3ForConditionalGeneration"],
        "model_type":"gemma3","torch_dtype":"bfloat16","vision_config":{"hidden_size":1152},
        "text_config":{"hidden_size":2560,"num_hidden_layers":4,"num_attention_heads":8,"num_key_value_heads":4,
        "head_dim":256,"sliding_window":512,"layer_types":["sliding_attention","sliding_attention",
        "sliding_attention","full_attention"],"vocab_size":262208}})",
                                          QStringLiteral("config.json"));
    QVERIFY(card.problems.empty());
    QCOMPARE(card.hiddenSize, std::optional<uint64_t>(2560)); // not the vision tower's
    QCOMPARE(card.layers, std::optional<uint64_t>(4));
    QCOMPARE(card.slidingWindow, std::optional<uint64_t>(512));
    const uint64_t perToken = 2 * 4 * 256 * 2;
    QCOMPARE(card.kvCacheBytes(1000), std::optional<uint64_t>(3 * 512 * perToken + 1000 * perToken));
    QCOMPARE(card.kvCacheBytes(100), std::optional<uint64_t>(4 * 100 * perToken)); // under the window: no cap
}

void TestModelCard::deepseekLatentAttention()
{
    const ModelCard card = parseModelCard(R"({"architectures":["DeepseekV3ForCausalLM"],"model_type":"deepseek_v3",
        "hidden_size":7168,"num_hidden_layers":61,"num_attention_heads":128,"num_key_value_heads":128,
        "n_routed_experts":256,"n_shared_experts":1,"num_experts_per_tok":8,"moe_intermediate_size":2048,
        "kv_lora_rank":512,"qk_rope_head_dim":64,"torch_dtype":"bfloat16"})",
                                          QStringLiteral("config.json"));
    QCOMPARE(card.experts, std::optional<uint64_t>(256));
    QCOMPARE(card.expertsPerToken, std::optional<uint64_t>(8));
    QCOMPARE(card.sharedExperts, std::optional<uint64_t>(1));
    QCOMPARE(card.moeIntermediateSize, std::optional<uint64_t>(2048));
    QCOMPARE(card.kvCacheBytes(1000), std::optional<uint64_t>(uint64_t{61} * (512 + 64) * 2 * 1000));
    // Mixtral names its experts differently.
    const ModelCard mixtral = parseModelCard(R"({"num_local_experts":8,"num_experts_per_tok":2})", QString());
    QCOMPARE(mixtral.experts, std::optional<uint64_t>(8));
}

void TestModelCard::unusedSlidingWindowIsIgnored()
{
    // Qwen2 writes sliding_window but turns it off.
    const ModelCard card = parseModelCard(R"({"num_hidden_layers":2,"num_attention_heads":4,"hidden_size":256,
        "sliding_window":16,"use_sliding_window":false,"torch_dtype":"float32"})",
                                          QString());
    QVERIFY(!card.slidingWindow);
    QCOMPARE(card.kvCacheBytes(1000), std::optional<uint64_t>(uint64_t{2} * 2 * 4 * 64 * 4 * 1000));
}

void TestModelCard::malformedConfigs_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("problem");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("not valid JSON");
    QTest::newRow("truncated") << QByteArray(R"({"hidden_size":)") << QStringLiteral("not valid JSON");
    QTest::newRow("array") << QByteArray("[1,2]") << QStringLiteral("not a JSON object");
    QTest::newRow("deep") << QByteArray(100000, '[') << QStringLiteral("not valid JSON");
    QTest::newRow("binary") << QByteArray("\xff\xfe\x00\x01", 4) << QStringLiteral("not valid JSON");
}

void TestModelCard::malformedConfigs()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, problem);
    const ModelCard card = parseModelCard(json, QStringLiteral("config.json"));
    QCOMPARE(card.problems.size(), size_t{1});
    QVERIFY2(card.problems.front().contains(problem), qPrintable(card.problems.front()));
    QVERIFY(!card.kvCacheBytes(1000));
}

void TestModelCard::wrongFieldTypeKeepsTheRest()
{
    const ModelCard card = parseModelCard(R"({"hidden_size":"4096","num_hidden_layers":-3,"vocab_size":32000,
        "architectures":"Llama","torch_dtype":"bfloat16"})",
                                          QString());
    QCOMPARE(card.problems.size(), size_t{3});
    QVERIFY2(card.problems[0].contains(QStringLiteral("\"architectures\"")), qPrintable(card.problems[0]));
    QVERIFY(!card.hiddenSize);
    QVERIFY(!card.layers);
    QCOMPARE(card.vocabSize, std::optional<uint64_t>(32000));
    QVERIFY(!card.kvCacheBytes(1000)); // no layer count: nothing guessed
    // An unknown dtype gives no byte count rather than a guess.
    QVERIFY(!parseModelCard(R"({"num_hidden_layers":2,"num_attention_heads":2,"hidden_size":8,
        "torch_dtype":"complex64"})",
                            QString())
                 .kvCacheBytes(10));
}

void TestModelCard::configBesideFileOrFolder()
{
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("model.safetensors"), rawFile("{}"));
    QVERIFY(!readModelCard(dir.path()));
    QVERIFY(!readModelCard(file));
    writeConfig(dir, R"({"model_type":"llama","num_hidden_layers":2})");
    for (const QString& opened : {dir.path(), file}) {
        const auto card = readModelCard(opened);
        QVERIFY(card);
        QCOMPARE(card->modelType, std::string("llama"));
        QCOMPARE(card->path, QDir(dir.path()).filePath(QStringLiteral("config.json")));
    }
}

void TestModelCard::fifoConfigDoesNotHang()
{
    QTemporaryDir dir;
    const QString config = QDir(dir.path()).filePath(QStringLiteral("config.json"));
    QCOMPARE(::mkfifo(encodeLocalPath(config).constData(), 0600), 0);
    const auto card = readModelCard(dir.path());
    QVERIFY(card);
    QCOMPARE(card->problems.size(), size_t{1});
    QVERIFY(card->problems.front().contains(QStringLiteral("not a regular file")));
}

void TestModelCard::cliInfoShowsConfig()
{
    QTemporaryDir dir;
    writeFile(dir, QStringLiteral("model.safetensors"),
              rawFile('{' + tensorJson("model.layers.0.self_attn.q_proj.weight", "F32", {2}, 0, 8) + ',' +
                          tensorJson("model.layers.0.mlp.up_proj.weight", "F32", {2}, 8, 16) + '}',
                      QByteArray(16, '\0')));
    writeConfig(dir, R"({"architectures":["LlamaForCausalLM"],"num_hidden_layers":1,"num_attention_heads":2,
        "num_key_value_heads":1,"hidden_size":8,"torch_dtype":"float16"})");
    const CliRun json = runCli({QStringLiteral("info"), dir.path(), QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    const auto info = parseJson(json.out);
    QCOMPARE(info["config"]["architectures"][0].get<std::string>(), std::string("LlamaForCausalLM"));
    QCOMPARE(info["config"]["kv_cache_bytes_per_1000_tokens"].get<uint64_t>(), uint64_t{2 * 1 * 1 * 4 * 2 * 1000});
    QCOMPARE(info["config"]["weights_bytes_bf16"].get<uint64_t>(), uint64_t{8});
    QCOMPARE(info["architecture"][0].get<std::string>(), std::string("1 x DecoderLayer: attention {q}, MLP {up}"));

    const CliRun text = runCli({QStringLiteral("info"), dir.path()});
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains("KV cache 15.6 KiB per 1,000 tokens") &&
                 text.out.contains("Layout      1 x DecoderLayer: attention {q}, MLP {up}"),
             text.out.constData());

    // A broken config is a reported problem, not a failure of the command.
    writeConfig(dir, "{not json");
    const CliRun broken = runCli({QStringLiteral("info"), dir.path(), QStringLiteral("--json")});
    QCOMPARE(broken.exitCode, 0);
    QVERIFY(parseJson(broken.out)["config"]["problems"][0].get<std::string>().find("not valid JSON") !=
            std::string::npos);
}

QTEST_GUILESS_MAIN(TestModelCard)
#include "tst_modelcard.moc"
