// Quantized float formats (FP8 block and scaled, MXFP4, NVFP4): fixtures quantized and packed here the way the
// reference tools do it, from values chosen to be exact in each format, then dequantized by the product and
// compared element by element (all of these are exact: code value times a power-of-two-friendly scale).
#include "core/quant/dequantizedstats.h"
#include "support/quantfixtures.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <tuple>

using namespace safescope;
using namespace safescope::test;

namespace {

// Scales that differ strongly by row block and by column block, so a value paired with the wrong scale is off by
// a large factor, never plausibly close.
float blockScale(uint64_t br, uint64_t bc)
{
    return std::ldexp(1.0f + 0.25f * static_cast<float>((br + 2 * bc) % 4),
                      static_cast<int>(3 * br) - static_cast<int>(4 * bc));
}

// An E4M3 code varying with (r, c) so that neighbours differ: element order errors show.
E4M3 codeAt(uint64_t r, uint64_t c)
{
    return e4m3(((r * 7 + c * 3) % 5) == 0, static_cast<int>((r * 5 + c) % 13) - 6, static_cast<int>((r + 3 * c) % 8));
}

void compareValues(const std::vector<float>& actual, const std::vector<float>& expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        if (actual[i] != expected[i])
            QFAIL(qPrintable(QStringLiteral("element %1: got %2, expected %3").arg(i).arg(actual[i]).arg(expected[i])));
}

// A sharded FP8 checkpoint large enough to be recognised in two halves at once (8,400 tensors in two shards of
// 2,100 weight + block-scale pairs), with `lastOfFirst` appended to the first shard and `firstOfSecond` put at the
// head of the second (name, dtype, shape; every tensor's data is zeros). Opened and recognised as the viewer does.
struct ShardedFp8
{
    std::shared_ptr<const Model> model;
    QuantCatalog catalog;
};

using ExtraTensor = std::tuple<QByteArray, QByteArray, std::vector<uint64_t>>;

ShardedFp8 openShardedFp8(const QTemporaryDir& dir, const std::vector<ExtraTensor>& lastOfFirst,
                          const std::vector<ExtraTensor>& firstOfSecond)
{
    constexpr int kPairsPerShard = 2100;
    QByteArray weightMap;
    const auto add = [&weightMap](TensorFileBuilder& file, const QByteArray& shard, const QByteArray& name,
                                  const QByteArray& dtype, const std::vector<uint64_t>& shape) {
        uint64_t bytes = dtype == "F32" ? 4 : 1;
        for (const uint64_t d : shape)
            bytes *= d;
        file.add(name, dtype, shape, QByteArray(static_cast<qsizetype>(bytes), '\0'));
        weightMap += (weightMap.isEmpty() ? "\"" : ",\"") + name + "\":\"" + shard + "\"";
    };
    for (int shard = 0; shard < 2; ++shard) {
        const QByteArray shardName =
            shard == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        TensorFileBuilder file;
        if (shard == 1)
            for (const auto& [name, dtype, shape] : firstOfSecond)
                add(file, shardName, name, dtype, shape);
        for (int pair = 0; pair < kPairsPerShard; ++pair) {
            const QByteArray stem = "layers." + QByteArray::number(shard) + ".experts." + QByteArray::number(pair);
            add(file, shardName, stem + ".weight", "F8_E4M3", {4, 4});
            add(file, shardName, stem + ".weight_scale_inv", "F32", {1, 1});
        }
        if (shard == 0)
            for (const auto& [name, dtype, shape] : lastOfFirst)
                add(file, shardName, name, dtype, shape);
        QFile out(dir.filePath(QString::fromLatin1(shardName)));
        if (!out.open(QIODevice::WriteOnly) || out.write(file.build()) < 0)
            return {};
    }
    QFile index(dir.filePath(QStringLiteral("model.safetensors.index.json")));
    QFile config(dir.filePath(QStringLiteral("config.json")));
    if (!index.open(QIODevice::WriteOnly) || index.write("{\"weight_map\":{" + weightMap + "}}") < 0 ||
        !config.open(QIODevice::WriteOnly) ||
        config.write(R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[128,128]}})") < 0)
        return {};
    index.close();
    config.close();
    auto opened = Model::open(index.fileName());
    if (!opened)
        return {};
    ShardedFp8 result{*opened, {}};
    result.catalog = recogniseQuantized(*result.model, readQuantConfig(dir.path()));
    return result;
}

// One pass in name order lists logical tensors in the order of their anchors; in these fixtures each weight's parts
// sit together, so that is the order of their lowest part. None is listed twice and no stored tensor is a part of two.
void verifyOnePassOrder(const ShardedFp8& f)
{
    std::vector<int> claims(f.model->tensorCount(), 0);
    size_t previous = 0;
    for (size_t k = 0; k < f.catalog.tensors.size(); ++k) {
        size_t anchor = f.model->tensorCount();
        for (const uint32_t part : f.catalog.partIndicesOf(k)) {
            anchor = std::min<size_t>(anchor, part);
            QCOMPARE(++claims[part], 1);
        }
        if (k > 0 && anchor <= previous)
            QFAIL(qPrintable(QStringLiteral("logical tensor %1 (%2) is out of order")
                                 .arg(k)
                                 .arg(QString::fromStdString(f.catalog.tensors[k].name))));
        previous = anchor;
    }
    QCOMPARE(f.catalog.find(f.catalog.tensors.front().name), std::optional<size_t>(0));
}

} // namespace

class TestQuantFloat : public QObject
{
    Q_OBJECT

private slots:
    // A sharded model is recognised in two halves at once (recogniseQuantized); the result must be what one pass in
    // name order makes. A weight whose scale is the last tensor of the first shard and which is the first of the
    // second: the first half claims across the split, the second half never looks at it.
    void twoHalvesMatchOnePassWhenAPairStraddlesTheShards()
    {
        QTemporaryDir dir;
        const ShardedFp8 f =
            openShardedFp8(dir, {{"cross.weight_scale_inv", "F32", {1, 1}}}, {{"cross.weight", "F8_E4M3", {4, 4}}});
        QVERIFY(f.model);
        QCOMPARE(f.model->tensorCount(), size_t(8402));
        QCOMPARE(f.catalog.tensors.size(), size_t(4201));
        QVERIFY(f.catalog.problems.empty());
        QVERIFY(f.catalog.isStoredPart(*f.model->find("cross.weight")));
        QVERIFY(f.catalog.isStoredPart(*f.model->find("cross.weight_scale_inv")));
        QCOMPARE(f.catalog.logicalParameters, uint64_t(4201 * 16));
        QCOMPARE(f.catalog.storedParameters, uint64_t(4201 * 17));
        verifyOnePassOrder(f);
        QCOMPARE(f.catalog.tensors[2100].name, std::string("cross.weight")); // after the first shard's 2,100
    }

    // The second half's anchor looks up a weight the first half has claimed (its compressed-tensors weight_scale
    // came first): one pass reports the later anchor's weight as missing and keeps one logical tensor; the second
    // half, made alone, would have claimed the weight a second time.
    void twoHalvesMatchOnePassWhenTheSecondDependsOnTheFirst()
    {
        QTemporaryDir dir;
        const ShardedFp8 f =
            openShardedFp8(dir, {{"shared.weight", "F8_E4M3", {4, 4}}, {"shared.weight_scale", "F32", {1}}},
                           {{"shared.weight_scale_inv", "F32", {1, 1}}});
        QVERIFY(f.model);
        QCOMPARE(f.catalog.tensors.size(), size_t(4201));
        const std::optional<size_t> shared = f.catalog.find("shared.weight");
        QVERIFY(shared);
        QCOMPARE(f.catalog.tensors[*shared].part("weight_scale"), std::string("shared.weight_scale"));
        QCOMPARE(f.catalog.problems.size(), size_t(1));
        QCOMPARE(f.catalog.problems.front().tensor, QStringLiteral("shared.weight"));
        QVERIFY(f.catalog.problems.front().message.contains(QStringLiteral("lacks its part")));
        QVERIFY(!f.catalog.isStoredPart(*f.model->find("shared.weight_scale_inv")));
        verifyOnePassOrder(f);
    }

    // DeepSeek-V3: weight_dequant multiplies each 128x128 tile by s[i // 128, j // 128]; here 2x3 blocks over a
    // 5x7 matrix, so the last block row and column are partial (edge blocks).
    void fp8BlockWithEdgeBlocks()
    {
        QTemporaryDir dir;
        const uint64_t rows = 5, cols = 7, b0 = 2, b1 = 3, sr = 3, sc = 3;
        QByteArray codes;
        std::vector<float> scales, expected;
        for (uint64_t br = 0; br < sr; ++br)
            for (uint64_t bc = 0; bc < sc; ++bc)
                scales.push_back(blockScale(br, bc));
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t c = 0; c < cols; ++c) {
                const E4M3 q = codeAt(r, c);
                codes.append(static_cast<char>(q.code));
                expected.push_back(q.value * scales[(r / b0) * sc + c / b1]);
            }
        TensorFileBuilder file;
        file.add("layers.0.mlp.weight", "F8_E4M3", {rows, cols}, codes)
            .add("layers.0.mlp.weight_scale_inv", "F32", {sr, sc}, bytesOf(scales))
            .add("layers.0.norm.weight", "F32", {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
        const QuantFixture f =
            openQuantFixture(dir, file, R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[2,3]}})");
        QVERIFY(f.model);
        QCOMPARE(f.catalog.tensors.size(), size_t(1));
        const LogicalTensor* t = f.find("layers.0.mlp.weight");
        QVERIFY(t);
        QCOMPARE(QString::fromLatin1(quantSchemeName(t->scheme)), QStringLiteral("fp8"));
        QCOMPARE(t->shape, (std::vector<uint64_t>{rows, cols}));
        QCOMPARE(t->block, (std::vector<uint64_t>{b0, b1}));
        QCOMPARE(t->badge(), QStringLiteral("FP8 e4m3 2x3"));
        QCOMPARE(t->part("scale_inv"), std::string("layers.0.mlp.weight_scale_inv"));
        compareValues(f.values(t->name), expected);
        // Logical parameters: the weight and the norm; the 9 scales are companions.
        QCOMPARE(f.catalog.logicalParameters, uint64_t(rows * cols + 4));
        QCOMPARE(f.catalog.storedParameters, uint64_t(rows * cols + 9 + 4));
        QVERIFY(f.catalog.isStoredPart(*f.model->find("layers.0.mlp.weight_scale_inv")));
        QVERIFY(!f.catalog.isStoredPart(*f.model->find("layers.0.norm.weight")));

        // A range read starting mid-row and mid-block gives the same elements.
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(d);
        std::vector<float> part(17);
        QVERIFY((*d)->read(9, 17, part.data()).ok());
        compareValues(part, std::vector<float>(expected.begin() + 9, expected.begin() + 26));
        const Status outside = (*d)->read(30, 6, part.data());
        QVERIFY(!outside.ok());
        QCOMPARE(outside.error().kind, ErrorKind::InvalidArgument);
    }

    void fp8BlockNeedsDeclaredBlockSize()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("w.weight", "F8_E4M3", {4, 4}, QByteArray(16, '\x38'))
            .add("w.weight_scale_inv", "F32", {1, 1}, bytesOf(std::vector<float>{2}));
        const QuantFixture f = openQuantFixture(dir, file, R"({"quantization_config":{"quant_method":"fp8"}})");
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("w.weight")));
        QCOMPARE(f.catalog.logicalParameters, f.catalog.storedParameters);
    }

    void fp8BlockScaleOfWrongShapeIsAProblem()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("w.weight", "F8_E4M3", {5, 7}, QByteArray(35, '\x38'))
            .add("w.weight_scale_inv", "F32", {2, 2}, bytesOf(std::vector<float>{1, 2, 3, 4}));
        const QuantFixture f =
            openQuantFixture(dir, file, R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[2,3]}})");
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("w.weight")));
        QVERIFY(!f.catalog.isStoredPart(*f.model->find("w.weight_scale_inv")));
        QVERIFY(f.catalog.problems.front().message.contains(QStringLiteral("[3, 3]")));
    }

    // A name given twice (a lenient open keeps both copies) is read as its first copy by everything that looks a
    // part up (Model::find), so recognition judges that copy too: here a misshapen first scale and a fitting
    // second one give a problem and no logical tensor, never a weight dequantized with the 4-byte first copy.
    void repeatedScaleNameIsJudgedByTheCopyReaders()
    {
        QTemporaryDir dir;
        writeFile(dir, QStringLiteral("config.json"),
                  R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[2,2]}})");
        const QByteArray header = R"({"w.weight":{"dtype":"F8_E4M3","shape":[2,2],"data_offsets":[0,4]},)"
                                  R"("w.weight_scale_inv":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                                  R"("w.weight_scale_inv":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}})";
        QByteArray data(4, '\x38');
        data += bytesOf(std::vector<float>{2.0f, 3.0f});
        const QString path = writeFile(dir, QStringLiteral("model.safetensors"), rawFile(header, data));
        const auto model = Model::open(path, OpenMode::Lenient);
        QVERIFY2(model.ok(), qPrintable(model.ok() ? QString() : model.error().describe()));
        QVERIFY((*model)->hasRepeatedNames());
        QCOMPARE((*model)->tensorCount(), size_t(3));
        const QuantCatalog catalog = recogniseQuantized(**model, readQuantConfig(path));
        QVERIFY(catalog.tensors.empty());
        QVERIFY(std::any_of(catalog.problems.begin(), catalog.problems.end(),
                            [](const Warning& w) { return w.tensor == QStringLiteral("w.weight"); }));
    }

    // A reader asked for a catalog entry that does not fit the parts it finds (made for another model, or edited
    // by hand) refuses with InvalidArgument instead of reading past the scale part.
    void fp8ReaderRefusesPartsThatDoNotFit()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("w.weight", "F8_E4M3", {2, 2}, QByteArray(4, '\x38'))
            .add("w.weight_scale_inv", "F32", {1}, bytesOf(std::vector<float>{2.0f}));
        const QuantFixture f = openQuantFixture(dir, file, {});
        QVERIFY(f.model);
        LogicalTensor t;
        t.name = "w.weight";
        t.scheme = QuantScheme::Fp8;
        t.bits = 8;
        t.variant = "block";
        t.codeType = "e4m3";
        t.shape = {2, 2};
        t.elementCount = 4;
        t.block = {1, 1}; // four scales expected, one stored
        t.parts = {{"weight", "w.weight"}, {"scale_inv", "w.weight_scale_inv"}};
        const auto refused = Dequantizer::create(*f.model, t);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::InvalidArgument);
        QVERIFY(refused.error().message.contains(QStringLiteral("w.weight")));
        t.block = {2, 2}; // one scale: fits
        QVERIFY(Dequantizer::create(*f.model, t).ok());
    }

    // compressed-tensors: weight * weight_scale, one scale per tensor or one per output row ([out, 1]).
    void fp8CompressedTensorsPerChannelAndPerTensor()
    {
        QTemporaryDir dir;
        const uint64_t rows = 4, cols = 6;
        QByteArray codes;
        std::vector<float> rowScales{1.0f / 64, 8.0f, 0.375f, 1024.0f}, expectedRow, expectedTensor;
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t c = 0; c < cols; ++c) {
                const E4M3 q = codeAt(r, c);
                codes.append(static_cast<char>(q.code));
                expectedRow.push_back(q.value * rowScales[r]);
                expectedTensor.push_back(q.value * 0.625f);
            }
        TensorFileBuilder file;
        file.add("a.weight", "F8_E4M3", {rows, cols}, codes)
            .add("a.weight_scale", "F32", {rows, 1}, bytesOf(rowScales))
            .add("a.input_scale", "F32", {1}, bytesOf(std::vector<float>{3}))
            .add("b.weight", "F8_E4M3", {rows, cols}, codes)
            .add("b.weight_scale", "BF16", {}, bf16Truncated({0.625f}));
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"quantization_config":{"quant_method":"compressed-tensors","format":"float-quantized"}})");
        QCOMPARE(f.catalog.tensors.size(), size_t(2));
        QCOMPARE(QString::fromStdString(f.find("a.weight")->variant), QStringLiteral("channel"));
        QCOMPARE(QString::fromStdString(f.find("b.weight")->variant), QStringLiteral("tensor"));
        QCOMPARE(f.find("a.weight")->part("input_scale"), std::string("a.input_scale"));
        compareValues(f.values("a.weight"), expectedRow);
        compareValues(f.values("b.weight"), expectedTensor);
        QCOMPARE(f.catalog.logicalParameters, uint64_t(2 * rows * cols));
    }

    // gpt-oss: blocks [E, rows, G, 16] of E2M1 pairs (even element low nibble), scales [E, rows, G] E8M0.
    void mxfp4GptOssExperts()
    {
        QTemporaryDir dir;
        const uint64_t experts = 2, rows = 3, groups = 2;
        QByteArray blocks, scales;
        std::vector<float> expected;
        for (uint64_t e = 0; e < experts; ++e)
            for (uint64_t r = 0; r < rows; ++r)
                for (uint64_t g = 0; g < groups; ++g) {
                    const int exponent = static_cast<int>(e * 9 + r * 3) - static_cast<int>(g * 5) - 4;
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
            .add("model.layers.0.mlp.experts.gate_up_proj_bias", "BF16", {experts, rows},
                 bf16Truncated({1, 2, 3, 4, 5, 6}));
        const QuantFixture f = openQuantFixture(dir, file, R"({"quantization_config":{"quant_method":"mxfp4"}})");
        const LogicalTensor* t = f.find("model.layers.0.mlp.experts.gate_up_proj");
        QVERIFY(t);
        QCOMPARE(t->shape, (std::vector<uint64_t>{experts, rows, groups * 32}));
        QCOMPARE(t->badge(), QStringLiteral("MXFP4 g32"));
        compareValues(f.values(t->name), expected);
        QCOMPARE(f.catalog.logicalParameters, uint64_t(experts * rows * groups * 32 + experts * rows));
    }

    void mxfp4MissingScalesIsAProblem()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("x.down_proj_blocks", "U8", {1, 2, 1, 16}, QByteArray(32, '\x21'));
        const QuantFixture f = openQuantFixture(dir, file, {});
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("x.down_proj")));
        QVERIFY(!f.catalog.isStoredPart(0));
    }

    // ModelOpt NVFP4: e2m1 (low nibble first) * F8_E4M3 scale per 16 * the global weight_scale_2.
    void nvfp4ModelOpt()
    {
        QTemporaryDir dir;
        const uint64_t rows = 3, cols = 48, group = 16;
        QByteArray weight, scales;
        std::vector<float> expected;
        const float global = 0.0625f;
        for (uint64_t r = 0; r < rows; ++r) {
            std::vector<int> codes(cols);
            for (uint64_t c = 0; c < cols; ++c)
                codes[c] = static_cast<int>((r * 3 + c * 5) % 16);
            std::vector<E4M3> s;
            for (uint64_t g = 0; g < cols / group; ++g) {
                s.push_back(
                    e4m3(false, static_cast<int>(r * 3) - static_cast<int>(g * 2), static_cast<int>(g + r) % 8));
                scales.append(static_cast<char>(s.back().code));
            }
            for (uint64_t c = 0; c < cols; c += 2)
                weight.append(static_cast<char>(codes[c] | (codes[c + 1] << 4)));
            for (uint64_t c = 0; c < cols; ++c)
                expected.push_back(e2m1(codes[c]) * s[c / group].value * global);
        }
        TensorFileBuilder file;
        file.add("l.weight", "U8", {rows, cols / 2}, weight)
            .add("l.weight_scale", "F8_E4M3", {rows, cols / group}, scales)
            .add("l.weight_scale_2", "F32", {}, bytesOf(std::vector<float>{global}))
            .add("l.input_scale", "F32", {}, bytesOf(std::vector<float>{1}));
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"producer":{"name":"modelopt"},"quantization":{"quant_algo":"NVFP4","group_size":16}})",
            QStringLiteral("hf_quant_config.json"));
        QCOMPARE(f.config.method, QStringLiteral("modelopt"));
        const LogicalTensor* t = f.find("l.weight");
        QVERIFY(t);
        QCOMPARE(t->shape, (std::vector<uint64_t>{rows, cols}));
        QCOMPARE(t->badge(), QStringLiteral("NVFP4 g16"));
        QCOMPARE(t->parts.size(), size_t(4));
        // Products of three exact factors may round; compare with the same float operations' order bound.
        const std::vector<float> actual = f.values(t->name);
        QCOMPARE(actual.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i)
            QVERIFY2(std::fabs(actual[i] - expected[i]) <= 1e-6f * std::fabs(expected[i]),
                     qPrintable(QString::number(i)));
    }

    void floatModelStaysAsItIs()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("a.weight", "BF16", {2, 2}, bf16Truncated({1, 2, 3, 4}))
            .add("a.scales", "F32", {2}, bytesOf(std::vector<float>{1, 2}))
            .add("a.biases", "F32", {2}, bytesOf(std::vector<float>{1, 2}));
        const QuantFixture f = openQuantFixture(dir, file, R"({"architectures":["LlamaForCausalLM"]})");
        QVERIFY(!f.config.declared());
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.catalog.problems.empty());
        QCOMPARE(f.catalog.logicalParameters, uint64_t(8));
        QCOMPARE(f.catalog.storedParameters, uint64_t(8));
    }

    void packQuantizedLayoutIsAProblemNotAGuess()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("a.weight_packed", "I32", {4, 1}, QByteArray(16, '\0'))
            .add("a.weight_scale", "F16", {4, 1}, f16Bytes({1, 1, 1, 1}))
            .add("a.weight_shape", "I64", {2}, bytesOf(std::vector<int64_t>{4, 8}));
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"quantization_config":{"quant_method":"compressed-tensors","format":"pack-quantized"}})");
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("a.weight")));
        QVERIFY(f.catalog.problems.front().message.contains(QStringLiteral("pack-quantized")));
    }

    // Many layers in one pass: every one recognised, counts exact (the pass looks names up by index, so it stays
    // linear; speed itself is for bench/).
    void manyLayers()
    {
        QTemporaryDir dir;
        const int layers = 20000;
        TensorFileBuilder file;
        for (int i = 0; i < layers; ++i) {
            const QByteArray stem = "model.layers." + QByteArray::number(i) + ".mlp.experts.0.up_proj";
            file.add(stem + ".weight", "F8_E4M3", {3, 2}, QByteArray(6, '\x38'))
                .add(stem + ".weight_scale_inv", "F32", {1, 1}, bytesOf(std::vector<float>{2}));
        }
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[128,128]}})");
        QCOMPARE(f.catalog.tensors.size(), size_t(layers));
        QVERIFY(f.catalog.problems.empty());
        QCOMPARE(f.catalog.logicalParameters, uint64_t(layers) * 6);
        QCOMPARE(f.catalog.storedParameters, uint64_t(layers) * 7);
        QCOMPARE(f.values("model.layers.19999.mlp.experts.0.up_proj.weight"), std::vector<float>(6, 2.0f));
    }

    // Another program truncates the file while it is read: FileChanged, from a read and from statistics.
    void truncatedFileGivesFileChanged()
    {
        QTemporaryDir dir;
        const uint64_t rows = 1024, cols = 1024;
        TensorFileBuilder file;
        file.add("w.weight_scale_inv", "F32", {8, 8}, bytesOf(std::vector<float>(64, 1.0f)))
            .add("w.weight", "F8_E4M3", {rows, cols}, patternBytes(rows * cols));
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[128,128]}})");
        auto d = Dequantizer::create(*f.model, *f.find("w.weight"));
        QVERIFY(d);
        QFile handle(dir.filePath(QStringLiteral("model.safetensors")));
        QVERIFY(handle.open(QIODevice::ReadWrite));
        QVERIFY(handle.resize(handle.size() - static_cast<qint64>(rows * cols) + 4096));
        std::vector<float> values(static_cast<size_t>(rows * cols));
        const Status read = (*d)->read(0, rows * cols, values.data());
        QVERIFY(!read);
        QCOMPARE(read.error().kind, ErrorKind::FileChanged);
        std::atomic_bool cancel = false;
        const Result<TensorStats> stats = computeDequantizedStats(**d, StatsOptions{}, cancel);
        QVERIFY(!stats);
        QCOMPARE(stats.error().kind, ErrorKind::FileChanged);
    }

    void emptyTensorHasEmptyStats()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("e.weight", "F8_E4M3", {0, 4}, {}).add("e.weight_scale", "F32", {}, bytesOf(std::vector<float>{2}));
        const QuantFixture f = openQuantFixture(dir, file, {});
        const LogicalTensor* t = f.find("e.weight");
        QVERIFY(t);
        QCOMPARE(t->elementCount, uint64_t(0));
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(d);
        QVERIFY((*d)->read(0, 0, nullptr).ok());
        std::atomic_bool cancel = false;
        const Result<TensorStats> stats = computeDequantizedStats(**d, StatsOptions{}, cancel);
        QVERIFY(stats);
        QCOMPARE(stats->count, uint64_t(0));
        QVERIFY(std::isnan(stats->mean));
    }

    // Statistics of the dequantized values match those computed here from the expected values.
    void dequantizedStatsMatchValues()
    {
        QTemporaryDir dir;
        const uint64_t rows = 300, cols = 130, b0 = 128, b1 = 128;
        QByteArray codes;
        std::vector<float> scales{1.0f, 0.5f, 4.0f, 0.25f, 64.0f, 2.0f}, expected;
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t c = 0; c < cols; ++c) {
                const E4M3 q = codeAt(r, c);
                codes.append(static_cast<char>(q.code));
                expected.push_back(q.value * scales[(r / b0) * 2 + c / b1]);
            }
        TensorFileBuilder file;
        file.add("w.weight", "F8_E4M3", {rows, cols}, codes).add("w.weight_scale_inv", "F32", {3, 2}, bytesOf(scales));
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[128,128]}})");
        auto d = Dequantizer::create(*f.model, *f.find("w.weight"));
        QVERIFY(d);
        std::atomic_bool cancel = false;
        StatsOptions options;
        options.histogram.bins = 64;
        const Result<TensorStats> stats = computeDequantizedStats(**d, options, cancel);
        QVERIFY(stats);
        long double sum = 0;
        for (float v : expected)
            sum += v;
        QCOMPARE(stats->count, uint64_t(rows * cols));
        QCOMPARE(stats->min, double(*std::min_element(expected.begin(), expected.end())));
        QCOMPARE(stats->max, double(*std::max_element(expected.begin(), expected.end())));
        QVERIFY(std::fabs(stats->sum - static_cast<double>(sum)) <= 1e-9 * std::fabs(static_cast<double>(sum)) + 1e-9);
        uint64_t histogramTotal = stats->histogram.below + stats->histogram.above;
        for (uint64_t n : stats->histogram.counts)
            histogramTotal += n;
        QCOMPARE(histogramTotal, uint64_t(rows * cols));

        cancel = true;
        const Result<TensorStats> cancelled = computeDequantizedStats(**d, options, cancel);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().kind, ErrorKind::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestQuantFloat)
#include "tst_quantfloat.moc"
