#pragma once

// Small quantized models shared by the tests of local and remote values: each packed from known floats with loops
// that follow the reference packers (never the product's decoder), so the expected values come from the test.
#include "support/fixtures.h"
#include "support/quantfixtures.h"
#include "support/tensorfilebuilder.h"

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

#include <cmath>
#include <cstdint>
#include <vector>

namespace safescope::test {

// An FP8 block-scaled model (DeepSeek-V3 layout) of a 5 x 7 weight with 2 x 3 blocks (edge blocks included) and
// one F32 norm; `expected` gets the weight's values.
inline QString writeFp8Model(const QTemporaryDir& dir, std::vector<float>& expected)
{
    const uint64_t rows = 5, cols = 7, b0 = 2, b1 = 3, sr = 3, sc = 3;
    QByteArray codes;
    std::vector<float> scales;
    for (uint64_t br = 0; br < sr; ++br)
        for (uint64_t bc = 0; bc < sc; ++bc)
            scales.push_back(std::ldexp(1.0f + 0.25f * static_cast<float>((br + 2 * bc) % 4),
                                        static_cast<int>(br) - static_cast<int>(2 * bc)));
    expected.clear();
    for (uint64_t r = 0; r < rows; ++r)
        for (uint64_t c = 0; c < cols; ++c) {
            const E4M3 q = e4m3(((r * 7 + c * 3) % 5) == 0, static_cast<int>((r * 5 + c) % 9) - 4,
                                static_cast<int>((r + 3 * c) % 8));
            codes.append(static_cast<char>(q.code));
            expected.push_back(q.value * scales[(r / b0) * sc + c / b1]);
        }
    TensorFileBuilder file;
    file.add("layers.0.mlp.weight", "F8_E4M3", {rows, cols}, codes)
        .add("layers.0.mlp.weight_scale_inv", "F32", {sr, sc}, bytesOf(scales))
        .add("layers.0.norm.weight", "F32", {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
    writeFile(dir, QStringLiteral("config.json"),
              R"({"quantization_config":{"quant_method":"fp8","weight_block_size":[2,3]}})");
    return writeFile(dir, QStringLiteral("model.safetensors"), file.build());
}

// AutoGPTQ QuantLinear.pack's loop over one packed column (qweight) or row (qzeros): 2/4/8 bits fill words whole;
// 3 bits run 10 codes a word with the 11th and 22nd split across words, 32 codes in 3 words.
inline std::vector<uint32_t> gptqPack(const std::vector<uint32_t>& v, int bits)
{
    std::vector<uint32_t> q(v.size() * static_cast<size_t>(bits) / 32, 0);
    size_t i = 0, row = 0;
    while (row < q.size()) {
        if (bits == 2 || bits == 4 || bits == 8) {
            for (size_t j = i; j < i + 32 / static_cast<size_t>(bits); ++j)
                q[row] |= v[j] << (static_cast<size_t>(bits) * (j - i));
            i += 32 / static_cast<size_t>(bits);
            row += 1;
        } else { // bits == 3
            for (size_t j = i; j < i + 10; ++j)
                q[row] |= v[j] << (3 * (j - i));
            i += 10;
            q[row] |= v[i] << 30;
            row += 1;
            q[row] |= (v[i] >> 2) & 1;
            i += 1;
            for (size_t j = i; j < i + 10; ++j)
                q[row] |= v[j] << (3 * (j - i) + 1);
            i += 10;
            q[row] |= v[i] << 31;
            row += 1;
            q[row] |= (v[i] >> 1) & 3;
            i += 1;
            for (size_t j = i; j < i + 10; ++j)
                q[row] |= v[j] << (3 * (j - i) + 2);
            i += 10;
            row += 1;
        }
    }
    return q;
}

// Scales differing strongly by group and output, exact in F16.
inline float groupScale(uint64_t g, uint64_t o)
{
    return std::ldexp(1.0f + 0.25f * static_cast<float>((g + o) % 4),
                      static_cast<int>(g * 3) - static_cast<int>(o % 5));
}

struct GptqCase
{
    int bits = 4;
    bool actOrder = false;
    bool v2 = false;
};

// Builds X.qweight/qzeros/scales[/g_idx] for a [out=32, in=64] layer with groups of 16; returns expected [out, in].
inline std::vector<float> buildGptq(TensorFileBuilder& file, const GptqCase& c)
{
    const uint64_t in = 64, out = 32, group = 16, groups = in / group;
    const uint32_t maxq = (1u << c.bits) - 1;
    std::vector<uint32_t> gIdx(in);
    for (uint64_t k = 0; k < in; ++k) {
        // Act-order: the inputs were quantized in a permuted order, so groups are scattered over the inputs.
        const uint64_t input = c.actOrder ? (k * 5 + 3) % in : k;
        gIdx[input] = static_cast<uint32_t>(k / group);
    }
    std::vector<std::vector<uint32_t>> q(in, std::vector<uint32_t>(out)), z(groups, std::vector<uint32_t>(out));
    for (uint64_t i = 0; i < in; ++i)
        for (uint64_t o = 0; o < out; ++o)
            q[i][o] = static_cast<uint32_t>((i * 7 + o * 3 + i * o) % (maxq + 1));
    for (uint64_t g = 0; g < groups; ++g)
        for (uint64_t o = 0; o < out; ++o)
            z[g][o] = 1 + static_cast<uint32_t>((g * 5 + o) % maxq); // >= 1: v1 stores z - 1
    std::vector<float> expected;
    for (uint64_t o = 0; o < out; ++o)
        for (uint64_t i = 0; i < in; ++i) {
            const uint32_t g = gIdx[i];
            expected.push_back(static_cast<float>(static_cast<int>(q[i][o]) - static_cast<int>(z[g][o])) *
                               groupScale(g, o));
        }
    // qweight [in * bits / 32, out]: each output's column packs its inputs.
    const size_t qrows = in * static_cast<size_t>(c.bits) / 32;
    std::vector<uint32_t> qweight(qrows * out);
    for (uint64_t o = 0; o < out; ++o) {
        std::vector<uint32_t> column(in);
        for (uint64_t i = 0; i < in; ++i)
            column[i] = q[i][o];
        const std::vector<uint32_t> packed = gptqPack(column, c.bits);
        for (size_t r = 0; r < qrows; ++r)
            qweight[r * out + o] = packed[r];
    }
    std::vector<uint32_t> qzeros;
    std::vector<float> scales;
    for (uint64_t g = 0; g < groups; ++g) {
        std::vector<uint32_t> row(out);
        for (uint64_t o = 0; o < out; ++o) {
            row[o] = c.v2 ? z[g][o] : z[g][o] - 1;
            scales.push_back(groupScale(g, o));
        }
        const std::vector<uint32_t> packed = gptqPack(row, c.bits);
        qzeros.insert(qzeros.end(), packed.begin(), packed.end());
    }
    file.add("model.layers.0.self_attn.q_proj.qweight", "I32", {qrows, out}, bytesOf(qweight))
        .add("model.layers.0.self_attn.q_proj.qzeros", "I32", {groups, out * static_cast<uint64_t>(c.bits) / 32},
             bytesOf(qzeros))
        .add("model.layers.0.self_attn.q_proj.scales", "F16", {groups, out}, f16Bytes(scales))
        .add("model.layers.0.self_attn.q_proj.g_idx", "I32", {in}, bytesOf(gIdx))
        .add("model.layers.0.self_attn.q_proj.bias", "F16", {out}, f16Bytes(std::vector<float>(out, 1.0f)));
    return expected;
}

inline QByteArray gptqConfig(const GptqCase& c)
{
    return QStringLiteral(R"({"quantization_config":{"quant_method":"gptq","bits":%1,"group_size":16,"desc_act":%2,)"
                          R"("sym":false,"checkpoint_format":"%3"}})")
        .arg(c.bits)
        .arg(QLatin1String(c.actOrder ? "true" : "false"), QLatin1String(c.v2 ? "gptq_v2" : "gptq"))
        .toUtf8();
}

} // namespace safescope::test
