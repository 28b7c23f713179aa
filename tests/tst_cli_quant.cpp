// safescope-cli on quantized models (issue 14): the JSON contract of info, dequantized stats and slice, --raw
// codes. Fixtures are quantized and packed here from known floats (support/quantfixtures.h packers, written from
// the format definitions), so every expected value is computed in the test, not by the product.
#include "support/clirun.h"
#include "support/quantfixtures.h"
#include "support/quantmodels.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace safescope;
using namespace safescope::test;

namespace {

std::vector<float> countingFrom1(uint64_t n)
{
    std::vector<float> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), 1.0f);
    return v;
}

// A gpt-oss MXFP4 expert weight [experts, rows, groups * 32] (by default [2, 3, 64]): E2M1 codes, low nibble first,
// E8M0 scales.
QString writeMxfp4Model(const QTemporaryDir& dir, std::vector<float>& expected, uint64_t experts = 2, uint64_t rows = 3,
                        uint64_t groups = 2)
{
    QByteArray blocks, scales;
    expected.clear();
    for (uint64_t e = 0; e < experts; ++e)
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t g = 0; g < groups; ++g) {
                const int exponent = static_cast<int>(e * 3 + r) - static_cast<int>(g * 2) - 2;
                scales.append(static_cast<char>(127 + exponent));
                int codes[32];
                for (int k = 0; k < 32; ++k)
                    codes[k] = static_cast<int>((e * 5 + r * 3 + g * 7 + static_cast<uint64_t>(k) * 11) % 16);
                for (int k = 0; k < 32; k += 2)
                    blocks.append(static_cast<char>(codes[k] | (codes[k + 1] << 4)));
                for (int k = 0; k < 32; ++k)
                    expected.push_back(e2m1(codes[k]) * std::ldexp(1.0f, exponent));
            }
    TensorFileBuilder file;
    file.add("model.layers.0.mlp.experts.gate_up_proj_blocks", "U8", {experts, rows, groups, 16}, blocks)
        .add("model.layers.0.mlp.experts.gate_up_proj_scales", "U8", {experts, rows, groups}, scales)
        .add("model.layers.0.mlp.experts.gate_up_proj_bias", "F32", {experts, rows},
             bytesOf(countingFrom1(experts * rows)));
    writeFile(dir, QStringLiteral("config.json"), R"({"quantization_config":{"quant_method":"mxfp4"}})");
    return writeFile(dir, QStringLiteral("model.safetensors"), file.build());
}

struct Moments
{
    double min = INFINITY, max = -INFINITY, sum = 0, mean = 0;
};
Moments momentsOf(const std::vector<float>& values)
{
    Moments m;
    for (float v : values) {
        m.min = std::min<double>(m.min, v);
        m.max = std::max<double>(m.max, v);
        m.sum += v;
    }
    m.mean = m.sum / static_cast<double>(values.size());
    return m;
}

bool close(double a, double b)
{
    return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

// The float values of tensor `name` of the model at `path` (F32 only), read back through the project's reader.
std::vector<float> floatsOf(const QString& path, const std::string& name)
{
    auto model = Model::open(path);
    if (!model)
        return {};
    const auto index = (*model)->find(name);
    if (!index || (*model)->tensor(*index).dtype != DType::F32)
        return {};
    std::vector<float> values(static_cast<size_t>((*model)->tensor(*index).elementCount));
    std::memcpy(values.data(), (*model)->tensorData(*index), values.size() * 4);
    return values;
}

std::vector<std::string> namesOf(const QString& path)
{
    std::vector<std::string> names;
    auto model = Model::open(path);
    if (model)
        for (size_t i = 0; i < (*model)->tensorCount(); ++i)
            names.emplace_back((*model)->qualifiedName(i));
    std::sort(names.begin(), names.end());
    return names;
}

// A float "original" near the quantized values, so the quantization error is known: original - dequantized.
std::vector<float> originalOf(const std::vector<float>& dequantized)
{
    std::vector<float> original;
    for (size_t i = 0; i < dequantized.size(); ++i)
        original.push_back(dequantized[i] * (1.0f + 0.01f * static_cast<float>(static_cast<int>(i % 7) - 3)) +
                           (i % 5 == 0 ? 0.001f : 0.0f));
    return original;
}

// [E, rows, cols] -> [E, cols, rows]: transformers' layout of a gpt-oss expert weight.
std::vector<float> transposeLastTwo(const std::vector<float>& v, uint64_t experts, uint64_t rows, uint64_t cols)
{
    std::vector<float> t(v.size());
    for (uint64_t e = 0; e < experts; ++e)
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t c = 0; c < cols; ++c)
                t[(e * cols + c) * rows + r] = v[(e * rows + r) * cols + c];
    return t;
}

struct ExpectedError
{
    double maxAbs = 0, relL2 = 0, sqnrDb = 0;
};
ExpectedError errorOf(const std::vector<float>& a, const std::vector<float>& b)
{
    ExpectedError e;
    double deltaSq = 0, aSq = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
        e.maxAbs = std::max(e.maxAbs, std::abs(d));
        deltaSq += d * d;
        aSq += static_cast<double>(a[i]) * a[i];
    }
    e.relL2 = std::sqrt(deltaSq / aSq);
    e.sqnrDb = 10.0 * std::log10(aSq / deltaSq);
    return e;
}

} // namespace

class TestCliQuant : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(!qEnvironmentVariable("SAFESCOPE_CLI").isEmpty(), "SAFESCOPE_CLI is set by ctest"); }

    void infoJsonContractFp8()
    {
        QTemporaryDir dir;
        std::vector<float> expected;
        writeFp8Model(dir, expected);
        // PATH as the folder: config.json is read from it.
        const CliRun run = runCli({QStringLiteral("info"), dir.path(), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json info = parseJson(run.out);
        QCOMPARE(info.at("parameters").get<uint64_t>(), uint64_t(35 + 4)); // scales are companions
        QCOMPARE(info.at("stored_parameters").get<uint64_t>(), uint64_t(35 + 9 + 4));
        const nlohmann::json expectedEntry = nlohmann::json::parse(R"({"name":"layers.0.mlp.weight","scheme":"fp8",
            "bits":8,"block":[2,3],"shape":[5,7],
            "parts":{"weight":"layers.0.mlp.weight","scale_inv":"layers.0.mlp.weight_scale_inv"}})");
        QCOMPARE(info.at("quantized").size(), size_t(1));
        QCOMPARE(info.at("quantized")[0].dump(), expectedEntry.dump());
        QVERIFY(info.at("quant_problems").empty());
        // 35 + 36 + 16 stored bytes over 39 logical weights.
        QVERIFY(close(info.at("effective_bits_per_weight").get<double>(), 8.0 * (35 + 36 + 16) / 39.0));
        QVERIFY(info.at("tensors").size() == 3); // stored tensors are still all listed

        // The same file path (not the folder) finds config.json beside it; the text output summarises per scheme.
        const CliRun text = runCli({QStringLiteral("info"), dir.filePath(QStringLiteral("model.safetensors"))});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("Parameters  39 (logical)"), text.out.constData());
        QVERIFY2(text.out.contains("Stored      48 parameters"), text.out.constData());
        QVERIFY2(text.out.contains("Quantized   1 tensor ("), text.out.constData());
        QVERIFY2(text.out.contains("fp8 FP8 e4m3 2x3"), text.out.constData());
    }

    void plainModelHasEqualCounts()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("w", "F32", {2, 3}, bytesOf(std::vector<float>{1, 2, 3, 4, 5, 6}));
        const QString path = writeFile(dir, QStringLiteral("plain.safetensors"), file.build());
        const nlohmann::json info = parseJson(runCli({QStringLiteral("info"), path, QStringLiteral("--json")}).out);
        QCOMPARE(info.at("parameters").get<uint64_t>(), uint64_t(6));
        QCOMPARE(info.at("stored_parameters").get<uint64_t>(), uint64_t(6));
        QVERIFY(info.at("quantized").empty());
        QVERIFY(info.at("quant_problems").empty());
        // Plain tensors: stats says so, and --raw changes nothing.
        const nlohmann::json stats =
            parseJson(runCli({QStringLiteral("stats"), path, QStringLiteral("w"), QStringLiteral("--json")}).out);
        QCOMPARE(stats.at("dequantized").get<bool>(), false);
        QVERIFY(!stats.contains("scheme"));
        QCOMPARE(stats.at("sum").get<double>(), 21.0);
    }

    void statsAndSliceDequantizeFp8()
    {
        QTemporaryDir dir;
        std::vector<float> expected;
        const QString path = writeFp8Model(dir, expected);
        const Moments m = momentsOf(expected);
        const CliRun run =
            runCli({QStringLiteral("stats"), path, QStringLiteral("layers.0.mlp.weight"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json stats = parseJson(run.out);
        QCOMPARE(stats.at("dequantized").get<bool>(), true);
        QCOMPARE(stats.at("scheme").get<std::string>(), std::string("fp8"));
        QCOMPARE(stats.at("count").get<uint64_t>(), uint64_t(35));
        QCOMPARE(stats.at("min").get<double>(), m.min);
        QCOMPARE(stats.at("max").get<double>(), m.max);
        QVERIFY2(close(stats.at("sum").get<double>(), m.sum), run.out.constData());
        QVERIFY(close(stats.at("mean").get<double>(), m.mean));

        const CliRun text = runCli({QStringLiteral("stats"), path, QStringLiteral("layers.0.mlp.weight")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("dequantized from fp8"), text.out.constData());

        // --raw: the stored E4M3 codes decoded as they are, without their block scales.
        const nlohmann::json raw =
            parseJson(runCli({QStringLiteral("stats"), path, QStringLiteral("layers.0.mlp.weight"),
                              QStringLiteral("--raw"), QStringLiteral("--json")})
                          .out);
        QCOMPARE(raw.at("dequantized").get<bool>(), false);
        QCOMPARE(raw.at("dtype").get<std::string>(), std::string("F8_E4M3"));
        QCOMPARE(raw.at("count").get<uint64_t>(), uint64_t(35));
        QVERIFY(raw.at("sum").get<double>() != stats.at("sum").get<double>());

        // slice: rows 1..3, columns 2..6 of the dequantized matrix, mid-block on both axes.
        const CliRun slice =
            runCli({QStringLiteral("slice"), path, QStringLiteral("layers.0.mlp.weight"), QStringLiteral("--rows"),
                    QStringLiteral("1:4"), QStringLiteral("--cols"), QStringLiteral("2:6"), QStringLiteral("--json")});
        QCOMPARE(slice.exitCode, 0);
        const nlohmann::json s = parseJson(slice.out);
        QCOMPARE(s.at("dequantized").get<bool>(), true);
        QCOMPARE(s.at("scheme").get<std::string>(), std::string("fp8"));
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c)
                QCOMPARE(s.at("values")[r][c].get<double>(),
                         static_cast<double>(expected[static_cast<size_t>((r + 1) * 7 + c + 2)]));
    }

    void mxfp4LogicalNameAndRawParts()
    {
        QTemporaryDir dir;
        std::vector<float> expected;
        const QString path = writeMxfp4Model(dir, expected);
        const nlohmann::json info = parseJson(runCli({QStringLiteral("info"), path, QStringLiteral("--json")}).out);
        const nlohmann::json expectedEntry = nlohmann::json::parse(R"({"name":"model.layers.0.mlp.experts.gate_up_proj",
            "scheme":"mxfp4","bits":4,"group_size":32,"shape":[2,3,64],
            "parts":{"blocks":"model.layers.0.mlp.experts.gate_up_proj_blocks",
                     "scales":"model.layers.0.mlp.experts.gate_up_proj_scales"}})");
        QCOMPARE(info.at("quantized").size(), size_t(1));
        QCOMPARE(info.at("quantized")[0].dump(), expectedEntry.dump());
        QCOMPARE(info.at("parameters").get<uint64_t>(), uint64_t(2 * 3 * 64 + 6));
        QCOMPARE(info.at("stored_parameters").get<uint64_t>(), uint64_t(2 * 3 * 2 * 16 + 2 * 3 * 2 + 6));

        const Moments m = momentsOf(expected);
        const nlohmann::json stats =
            parseJson(runCli({QStringLiteral("stats"), path, QStringLiteral("model.layers.0.mlp.experts.gate_up_proj"),
                              QStringLiteral("--json")})
                          .out);
        QCOMPARE(stats.at("scheme").get<std::string>(), std::string("mxfp4"));
        QCOMPARE(stats.at("count").get<uint64_t>(), uint64_t(384));
        QCOMPARE(stats.at("min").get<double>(), m.min);
        QCOMPARE(stats.at("max").get<double>(), m.max);
        QVERIFY(close(stats.at("sum").get<double>(), m.sum));
        // --raw on the logical name reads the main stored part, the packed _blocks bytes.
        const nlohmann::json raw =
            parseJson(runCli({QStringLiteral("stats"), path, QStringLiteral("model.layers.0.mlp.experts.gate_up_proj"),
                              QStringLiteral("--raw"), QStringLiteral("--json")})
                          .out);
        QCOMPARE(raw.at("dtype").get<std::string>(), std::string("U8"));
        QCOMPARE(raw.at("count").get<uint64_t>(), uint64_t(2 * 3 * 2 * 16));
        // A 3-D logical tensor sliced at expert 1.
        const nlohmann::json s =
            parseJson(runCli({QStringLiteral("slice"), path, QStringLiteral("model.layers.0.mlp.experts.gate_up_proj"),
                              QStringLiteral("--index"), QStringLiteral("1,:,:"), QStringLiteral("--cols"),
                              QStringLiteral("30:34"), QStringLiteral("--json")})
                          .out);
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c)
                QCOMPARE(s.at("values")[r][c].get<double>(),
                         static_cast<double>(expected[static_cast<size_t>(192 + r * 64 + 30 + c)]));
    }

    void quantProblemsAreWarnings()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("x.down_proj_blocks", "U8", {1, 2, 1, 16}, QByteArray(32, '\x21'));
        const QString path = writeFile(dir, QStringLiteral("model.safetensors"), file.build());
        const CliRun run = runCli({QStringLiteral("info"), path, QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json info = parseJson(run.out);
        QVERIFY(info.at("quantized").empty());
        QCOMPARE(info.at("quant_problems").size(), size_t(1));
        QCOMPARE(info.at("quant_problems")[0].at("tensor").get<std::string>(), std::string("x.down_proj"));
        QCOMPARE(info.at("parameters").get<uint64_t>(), uint64_t(32)); // nothing guessed: counted as stored
        const CliRun text = runCli({QStringLiteral("info"), path});
        QVERIFY2(text.out.contains("Quantization problems (1)"), text.out.constData());
        QVERIFY(text.out.contains("warning: "));
    }
    void exportDtypeDequantizesFp8()
    {
        QTemporaryDir dir;
        std::vector<float> expected;
        const QString path = writeFp8Model(dir, expected);
        const QString out = dir.filePath(QStringLiteral("out/f32.safetensors"));
        const CliRun run = runCli({QStringLiteral("export"), path, QStringLiteral("-o"), out, QStringLiteral("--dtype"),
                                   QStringLiteral("F32"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const nlohmann::json report = parseJson(run.out);
        QCOMPARE(report.at("dropped").dump(), std::string(R"(["layers.0.mlp.weight_scale_inv"])"));
        // The logical name and shape, the known values, no companion left.
        QCOMPARE(namesOf(out), (std::vector<std::string>{"layers.0.mlp.weight", "layers.0.norm.weight"}));
        QCOMPARE(floatsOf(out, "layers.0.mlp.weight"), expected);
        QCOMPARE(floatsOf(out, "layers.0.norm.weight"), (std::vector<float>{1, 2, 3, 4}));
        auto model = Model::open(out);
        QVERIFY(model);
        QCOMPARE(std::vector<uint64_t>((*model)->tensor(*(*model)->find("layers.0.mlp.weight")).shape.begin(),
                                       (*model)->tensor(*(*model)->find("layers.0.mlp.weight")).shape.end()),
                 (std::vector<uint64_t>{5, 7}));

        // Without --dtype the model is exported as stored, parts kept.
        const QString stored = dir.filePath(QStringLiteral("out/stored.safetensors"));
        QCOMPARE(runCli({QStringLiteral("export"), path, QStringLiteral("-o"), stored}).exitCode, 0);
        QCOMPARE(namesOf(stored), (std::vector<std::string>{"layers.0.mlp.weight", "layers.0.mlp.weight_scale_inv",
                                                            "layers.0.norm.weight"}));
    }

    void exportDtypeDequantizesMxfp4()
    {
        QTemporaryDir dir;
        std::vector<float> expected;
        const QString path = writeMxfp4Model(dir, expected);
        const QString out = dir.filePath(QStringLiteral("f32.safetensors"));
        const CliRun run = runCli({QStringLiteral("export"), path, QStringLiteral("-o"), out, QStringLiteral("--dtype"),
                                   QStringLiteral("F32")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("1 quantized weight(s) dequantized to F32, 1 stored part(s)"), run.err.constData());
        QCOMPARE(namesOf(out), (std::vector<std::string>{"model.layers.0.mlp.experts.gate_up_proj",
                                                         "model.layers.0.mlp.experts.gate_up_proj_bias"}));
        QCOMPARE(floatsOf(out, "model.layers.0.mlp.experts.gate_up_proj"), expected);
        // BF16 output: every MXFP4 value (e2m1 times a power of two) is exact in BF16.
        const QString bf16 = dir.filePath(QStringLiteral("bf16.safetensors"));
        QCOMPARE(runCli({QStringLiteral("export"), path, QStringLiteral("-o"), bf16, QStringLiteral("--dtype"),
                         QStringLiteral("BF16")})
                     .exitCode,
                 0);
        const nlohmann::json stats =
            parseJson(runCli({QStringLiteral("stats"), bf16, QStringLiteral("model.layers.0.mlp.experts.gate_up_proj"),
                              QStringLiteral("--json")})
                          .out);
        QCOMPARE(stats.at("dtype").get<std::string>(), std::string("BF16"));
        QVERIFY(close(stats.at("sum").get<double>(), momentsOf(expected).sum));
    }

    void diffReportsQuantizationError()
    {
        QTemporaryDir dir;
        std::vector<float> dequantized;
        const QString quantized = writeFp8Model(dir, dequantized);
        const std::vector<float> original = originalOf(dequantized);
        TensorFileBuilder file;
        file.add("layers.0.mlp.weight", "F32", {5, 7}, bytesOf(original))
            .add("layers.0.norm.weight", "F32", {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
        QTemporaryDir origDir;
        const QString originalPath = writeFile(origDir, QStringLiteral("model.safetensors"), file.build());
        const CliRun run = runCli({QStringLiteral("diff"), originalPath, quantized, QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json report = parseJson(run.out);
        QCOMPARE(report.at("tensors").size(), size_t(2)); // the scale is no pair of its own
        const ExpectedError e = errorOf(original, dequantized);
        bool found = false;
        for (const nlohmann::json& t : report.at("tensors")) {
            if (t.at("name") == "layers.0.norm.weight") {
                QCOMPARE(t.at("status").get<std::string>(), std::string("identical"));
                QVERIFY(!t.contains("sqnr_db"));
                continue;
            }
            found = true;
            QCOMPARE(t.at("name").get<std::string>(), std::string("layers.0.mlp.weight"));
            QCOMPARE(t.at("scheme_b").get<std::string>(), std::string("fp8"));
            QVERIFY(t.at("scheme_a").is_null());
            QCOMPARE(t.at("shape_b").dump(), std::string("[5,7]"));
            QVERIFY2(close(t.at("max_abs").get<double>(), e.maxAbs), t.dump().c_str());
            QVERIFY2(std::abs(t.at("rel_l2").get<double>() - e.relL2) < 1e-12, t.dump().c_str());
            QVERIFY2(std::abs(t.at("sqnr_db").get<double>() - e.sqnrDb) < 1e-9, t.dump().c_str());
        }
        QVERIFY(found);
        const CliRun text = runCli({QStringLiteral("diff"), originalPath, quantized});
        QVERIFY2(text.out.contains(QByteArray(QByteArray("sqnr_db ") + QByteArray::number(e.sqnrDb, 'g', 6))),
                 text.out.constData());
        QVERIFY(text.out.contains("(dequantized: - vs fp8)"));
    }

    void diffOfTheSameQuantizedModelComparesStoredParts()
    {
        QTemporaryDir dir, other;
        std::vector<float> values;
        const QString a = writeFp8Model(dir, values);
        const QString b = writeFp8Model(other, values);
        const CliRun run =
            runCli({QStringLiteral("diff"), a, b, QStringLiteral("--json"), QStringLiteral("--fail-on-diff")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json report = parseJson(run.out);
        QCOMPARE(report.at("tensors").size(), size_t(3)); // weight, its scale and the norm, as stored
        for (const nlohmann::json& t : report.at("tensors")) {
            QCOMPARE(t.at("status").get<std::string>(), std::string("identical"));
            QVERIFY(!t.contains("sqnr_db"));
        }
    }

    void diffPairsMxfp4WithItsOriginalByLogicalName()
    {
        QTemporaryDir dir;
        std::vector<float> dequantized;
        const QString quantized = writeMxfp4Model(dir, dequantized);
        const std::vector<float> original = originalOf(dequantized);
        TensorFileBuilder file;
        file.add("model.layers.0.mlp.experts.gate_up_proj", "F32", {2, 3, 64}, bytesOf(original))
            .add("model.layers.0.mlp.experts.gate_up_proj_bias", "F32", {2, 3},
                 bytesOf(std::vector<float>{1, 2, 3, 4, 5, 6}));
        QTemporaryDir origDir;
        const QString originalPath = writeFile(origDir, QStringLiteral("model.safetensors"), file.build());
        const nlohmann::json report =
            parseJson(runCli({QStringLiteral("diff"), originalPath, quantized, QStringLiteral("--json")}).out);
        QCOMPARE(report.at("tensors").size(), size_t(2)); // no only_in_a / only_in_b for the packed parts
        const ExpectedError e = errorOf(original, dequantized);
        const nlohmann::json& t = report.at("tensors")[0];
        QCOMPARE(t.at("name").get<std::string>(), std::string("model.layers.0.mlp.experts.gate_up_proj"));
        QCOMPARE(t.at("status").get<std::string>(), std::string("dtype_changed"));
        QCOMPARE(t.at("scheme_b").get<std::string>(), std::string("mxfp4"));
        QVERIFY2(std::abs(t.at("sqnr_db").get<double>() - e.sqnrDb) < 1e-9, t.dump().c_str());
        QVERIFY(close(t.at("max_abs").get<double>(), e.maxAbs));
        QCOMPARE(report.at("summary").at("only_in_a").get<int>(), 0);
        QCOMPARE(report.at("summary").at("only_in_b").get<int>(), 0);

        // Against a model without it, the quantized weight is one only_in_b entry under its logical name and shape.
        TensorFileBuilder biasOnly;
        biasOnly.add("model.layers.0.mlp.experts.gate_up_proj_bias", "F32", {2, 3},
                     bytesOf(std::vector<float>{1, 2, 3, 4, 5, 6}));
        QTemporaryDir biasDir;
        const QString biasPath = writeFile(biasDir, QStringLiteral("model.safetensors"), biasOnly.build());
        const nlohmann::json one =
            parseJson(runCli({QStringLiteral("diff"), biasPath, quantized, QStringLiteral("--json")}).out);
        QCOMPARE(one.at("tensors").size(), size_t(2));
        const nlohmann::json& added = one.at("tensors")[1];
        QCOMPARE(added.at("name").get<std::string>(), std::string("model.layers.0.mlp.experts.gate_up_proj"));
        QCOMPARE(added.at("status").get<std::string>(), std::string("only_in_b"));
        QCOMPARE(added.at("shape_b").dump(), std::string("[2,3,64]"));
        QCOMPARE(added.at("scheme_b").get<std::string>(), std::string("mxfp4"));
        QCOMPARE(one.at("summary").at("parameters_b").get<uint64_t>(), uint64_t(384 + 6));
    }

    // transformers holds gpt-oss's experts as [E, in, out] under the logical name; the reference dequantizes the
    // MXFP4 weight to [E, out, in]. The float tensor is compared with the transpose, square or not (a square one
    // compared by position would pair W with its transpose and report a meaningless SQNR), and the position of the
    // largest error is the float side's.
    void diffComparesMxfp4WithTransformersLayoutTransposed_data()
    {
        QTest::addColumn<uint64_t>("experts");
        QTest::addColumn<uint64_t>("rows");
        QTest::addColumn<uint64_t>("groups");
        QTest::newRow("[2, 3, 64]") << uint64_t(2) << uint64_t(3) << uint64_t(2);
        QTest::newRow("square [1, 32, 32]") << uint64_t(1) << uint64_t(32) << uint64_t(1);
        QTest::newRow("two bands of rows [2, 70, 96]") << uint64_t(2) << uint64_t(70) << uint64_t(3);
    }

    void diffComparesMxfp4WithTransformersLayoutTransposed()
    {
        QFETCH(uint64_t, experts);
        QFETCH(uint64_t, rows);
        QFETCH(uint64_t, groups);
        const uint64_t cols = groups * 32;
        QTemporaryDir dir;
        std::vector<float> dequantized;
        const QString quantized = writeMxfp4Model(dir, dequantized, experts, rows, groups);
        const std::vector<float> original = originalOf(dequantized);
        const std::vector<float> floatLayout = transposeLastTwo(original, experts, rows, cols);
        TensorFileBuilder file;
        file.add("model.layers.0.mlp.experts.gate_up_proj", "F32", {experts, cols, rows}, bytesOf(floatLayout));
        QTemporaryDir origDir;
        const QString originalPath = writeFile(origDir, QStringLiteral("model.safetensors"), file.build());
        const CliRun run = runCli({QStringLiteral("diff"), originalPath, quantized, QStringLiteral("--json")});
        const nlohmann::json report = parseJson(run.out);
        const nlohmann::json& t = report.at("tensors")[0];
        QCOMPARE(t.at("name").get<std::string>(), std::string("model.layers.0.mlp.experts.gate_up_proj"));
        QCOMPARE(t.at("status").get<std::string>(), std::string("dtype_changed"));
        QVERIFY2(t.value("transposed", false), t.dump().c_str());
        QCOMPARE(t.at("shape_a").dump(), nlohmann::json(std::vector<uint64_t>{experts, cols, rows}).dump());
        QCOMPARE(t.at("shape_b").dump(), nlohmann::json(std::vector<uint64_t>{experts, rows, cols}).dump());
        const ExpectedError e = errorOf(original, dequantized);
        QVERIFY2(std::abs(t.at("sqnr_db").get<double>() - e.sqnrDb) < 1e-9, t.dump().c_str());
        QVERIFY2(close(t.at("max_abs").get<double>(), e.maxAbs), t.dump().c_str());
        // The first largest |delta| in the float side's order, as [e, in, out].
        const std::vector<float> dequantizedT = transposeLastTwo(dequantized, experts, rows, cols);
        size_t worst = 0;
        for (size_t k = 0; k < floatLayout.size(); ++k)
            if (std::abs(double(floatLayout[k]) - dequantizedT[k]) >
                std::abs(double(floatLayout[worst]) - dequantizedT[worst]))
                worst = k;
        const std::vector<uint64_t> at{worst / (cols * rows), (worst / rows) % cols, worst % rows};
        QCOMPARE(t.at("max_abs_position").dump(), nlohmann::json(at).dump());
    }

    // A quantized weight whose scale is NaN loses every value: its SQNR is -inf, never the +inf of a perfect match
    // (the sums cover finite pairs only, and there are none).
    void diffOfALostWeightHasTheWorstSqnr()
    {
        QTemporaryDir dir;
        TensorFileBuilder quant;
        quant.add("layers.0.mlp.weight", "F8_E4M3", {2, 3}, QByteArray("\x38\x38\x38\x38\x38\x38", 6))
            .add("layers.0.mlp.weight_scale_inv", "F32", {1, 1}, bytesOf(std::vector<float>{NAN}));
        writeFile(dir, QStringLiteral("config.json"),
                  R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[2,3]}})");
        const QString quantized = writeFile(dir, QStringLiteral("model.safetensors"), quant.build());
        TensorFileBuilder original;
        original.add("layers.0.mlp.weight", "F32", {2, 3}, bytesOf(std::vector<float>{1, 1, 1, 1, 1, 1}));
        QTemporaryDir origDir;
        const QString originalPath = writeFile(origDir, QStringLiteral("model.safetensors"), original.build());
        const nlohmann::json report =
            parseJson(runCli({QStringLiteral("diff"), originalPath, quantized, QStringLiteral("--json")}).out);
        const nlohmann::json& t = report.at("tensors")[0];
        QCOMPARE(t.at("nan_mismatch").get<int>(), 6);
        QCOMPARE(t.at("sqnr_db").get<std::string>(), std::string("-inf"));
    }
};

QTEST_GUILESS_MAIN(TestCliQuant)
#include "tst_cli_quant.moc"
