// Integer quantization schemes (GPTQ, AWQ, MLX affine, bitsandbytes NF4 / LLM.int8): a known integer code matrix
// with zero points and scales chosen exact in their stored dtypes, packed here with loops that follow the reference
// packers (AutoGPTQ QuantLinear.pack, AutoAWQ's GEMM pack, MLX quantize, bitsandbytes' high-nibble-first
// layout), then dequantized by the product and compared element by element.
#include "support/quantfixtures.h"
#include "support/quantmodels.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace safescope;
using namespace safescope::test;

namespace {

void compareValues(const std::vector<float>& actual, const std::vector<float>& expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        if (actual[i] != expected[i])
            QFAIL(qPrintable(QStringLiteral("element %1: got %2, expected %3").arg(i).arg(actual[i]).arg(expected[i])));
}

const float kNf4[16] = {-1.0f,
                        -0.6961928009986877f,
                        -0.5250730514526367f,
                        -0.39491748809814453f,
                        -0.28444138169288635f,
                        -0.18477343022823334f,
                        -0.09105003625154495f,
                        0.0f,
                        0.07958029955625534f,
                        0.16093020141124725f,
                        0.24611230194568634f,
                        0.33791524171829224f,
                        0.44070982933044434f,
                        0.5626170039176941f,
                        0.7229568362236023f,
                        1.0f};

} // namespace

class TestQuantInt : public QObject
{
    Q_OBJECT

private slots:
    void gptq_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("actOrder");
        QTest::addColumn<bool>("v2");
        for (int bits : {2, 3, 4, 8}) {
            QTest::addRow("int%d", bits) << bits << false << false;
            QTest::addRow("int%d act-order", bits) << bits << true << false;
        }
        QTest::addRow("int4 gptq_v2") << 4 << false << true;
        QTest::addRow("int3 act-order gptq_v2") << 3 << true << true;
    }
    void gptq()
    {
        QFETCH(int, bits);
        QFETCH(bool, actOrder);
        QFETCH(bool, v2);
        const GptqCase c{bits, actOrder, v2};
        QTemporaryDir dir;
        TensorFileBuilder file;
        const std::vector<float> expected = buildGptq(file, c);
        const QuantFixture f = openQuantFixture(dir, file, gptqConfig(c));
        QVERIFY(f.catalog.problems.empty());
        const LogicalTensor* t = f.find("model.layers.0.self_attn.q_proj.weight");
        QVERIFY(t);
        QCOMPARE(t->shape, (std::vector<uint64_t>{32, 64}));
        QCOMPARE(t->bits, bits);
        QCOMPARE(t->badge(), QStringLiteral("int%1 GPTQ g16").arg(bits));
        QCOMPARE(t->part("g_idx"), std::string("model.layers.0.self_attn.q_proj.g_idx"));
        compareValues(f.values(t->name), expected);
        // Logical: 32 x 64 weights and the 32 biases; qweight, qzeros, scales and g_idx are companions.
        QCOMPARE(f.catalog.logicalParameters, uint64_t(32 * 64 + 32));
    }

    // A v1 checkpoint read as v2 (or the reverse) would shift every value by one scale: the convention matters.
    void gptqZeroConventionChangesValues()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const std::vector<float> expected = buildGptq(file, {4, false, false});
        const QuantFixture f = openQuantFixture(dir, file, gptqConfig({4, false, true}));
        const std::vector<float> asV2 = f.values("model.layers.0.self_attn.q_proj.weight");
        QCOMPARE(asV2.size(), expected.size());
        // Read as v2, each value is one scale larger than the true one (q - (z - 1) instead of q - z).
        QCOMPARE(asV2[0], expected[0] + groupScale(0, 0));
    }

    void gptqMissingZerosIsAProblem()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const uint64_t out = 32;
        file.add("m.qweight", "I32", {8, out}, QByteArray(8 * out * 4, '\0'))
            .add("m.scales", "F16", {4, out}, f16Bytes(std::vector<float>(4 * out, 1.0f)));
        const QuantFixture f = openQuantFixture(dir, file, gptqConfig({4, false, false}));
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("m.weight")));
        QVERIFY(f.catalog.problems.front().message.contains(QStringLiteral("m.qzeros")));
        QVERIFY(!f.catalog.isStoredPart(*f.model->find("m.qweight")));
        QCOMPARE(f.catalog.logicalParameters, f.catalog.storedParameters);
    }

    void gptqScalesOfWrongShapeIsAProblem()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const uint64_t out = 32;
        file.add("m.qweight", "I32", {8, out}, QByteArray(8 * out * 4, '\0'))
            .add("m.qzeros", "I32", {4, 4}, QByteArray(64, '\0'))
            .add("m.scales", "F16", {3, out}, f16Bytes(std::vector<float>(3 * out, 1.0f)));
        const QuantFixture f = openQuantFixture(dir, file, gptqConfig({4, false, false}));
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("m.weight")));
        QVERIFY(f.catalog.problems.front().message.contains(QStringLiteral("[4, 32]")));
    }

    void packedWeightsWithoutConfigAreAProblem()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        buildGptq(file, {4, false, false});
        const QuantFixture f = openQuantFixture(dir, file, {});
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("model.layers.0.self_attn.q_proj.weight")));
    }

    void gptqGroupIndexOutOfRangeFailsToRead()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const uint64_t out = 32;
        std::vector<int32_t> gIdx(64, 0);
        gIdx[10] = 9; // only 4 groups
        file.add("m.qweight", "I32", {8, out}, QByteArray(8 * out * 4, '\0'))
            .add("m.qzeros", "I32", {4, 4}, QByteArray(64, '\0'))
            .add("m.scales", "F16", {4, out}, f16Bytes(std::vector<float>(4 * out, 1.0f)))
            .add("m.g_idx", "I32", {64}, bytesOf(gIdx));
        const QuantFixture f = openQuantFixture(dir, file, gptqConfig({4, true, false}));
        const LogicalTensor* t = f.find("m.weight");
        QVERIFY(t);
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(!d);
        QCOMPARE(d.error().kind, ErrorKind::InvalidArgument);
    }

    // AutoAWQ GEMM: qweight [in, out / 8], nibble i of a word holds output col * 8 + order_map[i],
    // order_map = [0, 2, 4, 6, 1, 3, 5, 7]; zeros packed alike; value (q - z) * s.
    void awqGemm()
    {
        QTemporaryDir dir;
        const uint64_t in = 64, out = 16, group = 32, groups = in / group;
        const int orderMap[8] = {0, 2, 4, 6, 1, 3, 5, 7};
        std::vector<std::vector<uint32_t>> q(in, std::vector<uint32_t>(out)), z(groups, std::vector<uint32_t>(out));
        for (uint64_t i = 0; i < in; ++i)
            for (uint64_t o = 0; o < out; ++o)
                q[i][o] = static_cast<uint32_t>((i * 3 + o * 5 + i * o) % 16);
        for (uint64_t g = 0; g < groups; ++g)
            for (uint64_t o = 0; o < out; ++o)
                z[g][o] = static_cast<uint32_t>((g * 7 + o * 3) % 16);
        auto pack = [&](const std::vector<std::vector<uint32_t>>& m) {
            std::vector<uint32_t> packed(m.size() * out / 8, 0);
            for (size_t r = 0; r < m.size(); ++r)
                for (uint64_t col = 0; col < out / 8; ++col)
                    for (int i = 0; i < 8; ++i)
                        packed[r * (out / 8) + col] |= m[r][col * 8 + static_cast<uint64_t>(orderMap[i])] << (i * 4);
            return packed;
        };
        std::vector<float> scales, expected;
        for (uint64_t g = 0; g < groups; ++g)
            for (uint64_t o = 0; o < out; ++o)
                scales.push_back(groupScale(g * 2, o));
        for (uint64_t o = 0; o < out; ++o)
            for (uint64_t i = 0; i < in; ++i)
                expected.push_back(static_cast<float>(static_cast<int>(q[i][o]) - static_cast<int>(z[i / group][o])) *
                                   scales[(i / group) * out + o]);
        TensorFileBuilder file;
        file.add("mlp.down_proj.qweight", "I32", {in, out / 8}, bytesOf(pack(q)))
            .add("mlp.down_proj.qzeros", "I32", {groups, out / 8}, bytesOf(pack(z)))
            .add("mlp.down_proj.scales", "F16", {groups, out}, f16Bytes(scales));
        const QuantFixture f = openQuantFixture(
            dir, file,
            R"({"quantization_config":{"quant_method":"awq","bits":4,"group_size":32,"version":"gemm","zero_point":true}})");
        const LogicalTensor* t = f.find("mlp.down_proj.weight");
        QVERIFY(t);
        QCOMPARE(t->shape, (std::vector<uint64_t>{out, in}));
        QCOMPARE(t->badge(), QStringLiteral("int4 AWQ g32"));
        compareValues(f.values(t->name), expected);
        QCOMPARE(f.catalog.logicalParameters, uint64_t(in * out));
    }

    // MLX affine: codes packed low bits first along each row (3 bits: 8 codes in 3 bytes), scale * q + bias.
    void mlx_data()
    {
        QTest::addColumn<int>("bits");
        QTest::newRow("4 bits") << 4;
        QTest::newRow("3 bits") << 3;
        QTest::newRow("8 bits") << 8;
    }
    void mlx()
    {
        QFETCH(int, bits);
        QTemporaryDir dir;
        const uint64_t rows = 3, in = 64, group = 32, groups = in / group;
        const uint32_t maxq = (1u << bits) - 1;
        QByteArray weight;
        std::vector<float> scales, biases, expected;
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t g = 0; g < groups; ++g) {
                // Negative scales occur in MLX checkpoints; exact in BF16.
                scales.push_back((g % 2 ? -1.0f : 1.0f) *
                                 std::ldexp(1.5f, static_cast<int>(r * 4) - static_cast<int>(g * 3)));
                biases.push_back(std::ldexp(-1.25f, static_cast<int>(r) - 2) * static_cast<float>(g + 1));
            }
        for (uint64_t r = 0; r < rows; ++r) {
            std::vector<uint32_t> q(in);
            for (uint64_t c = 0; c < in; ++c) {
                q[c] = static_cast<uint32_t>((r * 11 + c * 5 + c * c) % (maxq + 1));
                const uint64_t g = r * groups + c / group;
                expected.push_back(scales[g] * static_cast<float>(q[c]) + biases[g]);
            }
            // mlx quantize: pack_factor codes into bytes_per_pack bytes, lowest bits first.
            const int perPack = bits == 3 ? 8 : 32 / bits;
            const int bytesPerPack = bits == 3 ? 3 : 4;
            for (uint64_t c = 0; c < in; c += static_cast<uint64_t>(perPack)) {
                uint32_t packed = 0;
                for (int j = 0; j < perPack; ++j)
                    packed |= q[c + static_cast<uint64_t>(j)] << (bits * j);
                for (int b = 0; b < bytesPerPack; ++b)
                    weight.append(static_cast<char>((packed >> (8 * b)) & 0xff));
            }
        }
        TensorFileBuilder file;
        file.add("model.embed_tokens.weight", "U32", {rows, in * static_cast<uint64_t>(bits) / 32}, weight)
            .add("model.embed_tokens.scales", "BF16", {rows, groups}, bf16Truncated(scales))
            .add("model.embed_tokens.biases", "BF16", {rows, groups}, bf16Truncated(biases));
        const QuantFixture f = openQuantFixture(
            dir, file, QStringLiteral(R"({"quantization":{"group_size":32,"bits":%1}})").arg(bits).toUtf8());
        const LogicalTensor* t = f.find("model.embed_tokens.weight");
        QVERIFY(t);
        QCOMPARE(t->shape, (std::vector<uint64_t>{rows, in}));
        QCOMPARE(t->badge(), QStringLiteral("int%1 MLX g32").arg(bits));
        compareValues(f.values(t->name), expected);
    }

    // bitsandbytes NF4: first element in the high nibble, quant_map[q] * absmax[block]; the last block is partial;
    // nested: absmax = nested_quant_map[code] * nested_absmax[block / nested_blocksize] + nested_offset.
    void bnbNf4_data()
    {
        QTest::addColumn<bool>("nested");
        QTest::newRow("plain absmax") << false;
        QTest::newRow("nested absmax") << true;
    }
    void bnbNf4()
    {
        QFETCH(bool, nested);
        QTemporaryDir dir;
        const uint64_t rows = 4, cols = 40, n = rows * cols, blocksize = 64, blocks = 3;
        std::vector<float> absmax{0.5f, 8.0f, 0.0078125f}, nestedMap(256), nestedAbsmax{2.0f};
        std::vector<uint8_t> absmaxCodes{200, 17, 129};
        const double offset = 0.25;
        for (int k = 0; k < 256; ++k)
            nestedMap[static_cast<size_t>(k)] = static_cast<float>(k - 128) / 256.0f;
        if (nested)
            for (uint64_t b = 0; b < blocks; ++b)
                absmax[b] = static_cast<float>(nestedMap[absmaxCodes[b]] * nestedAbsmax[0] + offset);
        QByteArray weight;
        std::vector<float> expected;
        std::vector<int> codes(n);
        for (uint64_t e = 0; e < n; ++e) {
            codes[e] = static_cast<int>((e * 7 + e / 5) % 16);
            expected.push_back(kNf4[codes[e]] * absmax[e / blocksize]);
        }
        for (uint64_t e = 0; e < n; e += 2)
            weight.append(static_cast<char>((codes[e] << 4) | codes[e + 1]));
        const QByteArray state =
            nested ? QByteArray(R"({"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [4, 40], )"
                                R"("nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": 0.25})")
                   : QByteArray(R"({"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [4, 40]})");
        TensorFileBuilder file;
        file.add("q.weight", "U8", {n / 2, 1}, weight)
            .add("q.weight.quant_map", "F32", {16}, bytesOf(std::vector<float>(kNf4, kNf4 + 16)))
            .add("q.weight.quant_state.bitsandbytes__nf4", "U8", {static_cast<uint64_t>(state.size())}, state);
        if (nested)
            file.add("q.weight.absmax", "U8", {blocks}, bytesOf(absmaxCodes))
                .add("q.weight.nested_absmax", "F32", {1}, bytesOf(nestedAbsmax))
                .add("q.weight.nested_quant_map", "F32", {256}, bytesOf(nestedMap));
        else
            file.add("q.weight.absmax", "F32", {blocks}, bytesOf(absmax));
        const QuantFixture f =
            openQuantFixture(dir, file,
                             R"({"quantization_config":{"quant_method":"bitsandbytes","load_in_4bit":true,)"
                             R"("bnb_4bit_quant_type":"nf4"}})");
        QVERIFY2(f.catalog.problems.empty(),
                 f.catalog.problems.empty() ? "" : qPrintable(f.catalog.problems[0].message));
        const LogicalTensor* t = f.find("q.weight");
        QVERIFY(t);
        QCOMPARE(QString::fromLatin1(quantSchemeName(t->scheme)), QStringLiteral("bnb_nf4"));
        QCOMPARE(t->shape, (std::vector<uint64_t>{rows, cols}));
        QCOMPARE(t->badge(), QStringLiteral("NF4 b64"));
        compareValues(f.values(t->name), expected);
        QCOMPARE(f.catalog.logicalParameters, n);
    }

    void bnbBrokenQuantStateIsAProblem()
    {
        QTemporaryDir dir;
        const QByteArray state = R"({"quant_type": "nf4", "blocksize": )";
        TensorFileBuilder file;
        file.add("q.weight", "U8", {8, 1}, QByteArray(8, '\x11'))
            .add("q.weight.absmax", "F32", {1}, bytesOf(std::vector<float>{1}))
            .add("q.weight.quant_map", "F32", {16}, bytesOf(std::vector<float>(kNf4, kNf4 + 16)))
            .add("q.weight.quant_state.bitsandbytes__nf4", "U8", {static_cast<uint64_t>(state.size())}, state);
        const QuantFixture f = openQuantFixture(dir, file, {});
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("q.weight")));
    }

    // LLM.int8: w * SCB[row] / 127.
    void bnbInt8()
    {
        QTemporaryDir dir;
        const uint64_t rows = 3, cols = 5;
        std::vector<int8_t> w;
        std::vector<float> scb{127.0f, 2.5f, 0.01f};
        std::vector<double> expected;
        for (uint64_t r = 0; r < rows; ++r)
            for (uint64_t c = 0; c < cols; ++c) {
                w.push_back(static_cast<int8_t>(static_cast<int>(r * 50 + c * 37) % 255 - 127));
                expected.push_back(static_cast<double>(w.back()) * scb[r] / 127.0);
            }
        TensorFileBuilder file;
        file.add("fc.weight", "I8", {rows, cols}, bytesOf(w)).add("fc.SCB", "F32", {rows}, bytesOf(scb));
        const QuantFixture f = openQuantFixture(
            dir, file, R"({"quantization_config":{"quant_method":"bitsandbytes","load_in_8bit":true}})");
        const LogicalTensor* t = f.find("fc.weight");
        QVERIFY(t);
        const std::vector<float> actual = f.values(t->name);
        QCOMPARE(actual.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i)
            QVERIFY2(std::fabs(actual[i] - expected[i]) <= 1e-6 * std::fabs(expected[i]),
                     qPrintable(QString::number(i)));
        QCOMPARE(f.catalog.logicalParameters, rows * cols);
    }

    void bnbInt8WrongScbIsAProblem()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("fc.weight", "I8", {3, 5}, QByteArray(15, '\x01'))
            .add("fc.SCB", "F32", {2}, bytesOf(std::vector<float>{1, 2}));
        const QuantFixture f = openQuantFixture(dir, file, {});
        QVERIFY(f.catalog.tensors.empty());
        QVERIFY(f.hasProblemAbout(QStringLiteral("fc.weight")));
    }
};

QTEST_GUILESS_MAIN(TestQuantInt)
#include "tst_quantint.moc"
