// MXFP4 as gpt-oss stores its experts: `X_blocks` U8 [..., G, 16] (32 E2M1 codes per block, the even element in
// the low nibble) and `X_scales` U8 [..., G] (E8M0 exponents biased by 127). Reference: openai/gpt-oss
// gpt_oss/torch/weights.py, Checkpoint._get_mxfp4_tensor (FP4_VALUES lookup of lo and hi nibbles interleaved,
// torch.ldexp by scales - 127, reshaped to [..., G * 32]); transformers integrations/mxfp4.py
// convert_moe_packed_tensors. The logical tensor is `X` ("...experts.gate_up_proj") of shape [..., G * 32], before
// transformers' transpose.
#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

#include <cmath>

namespace safescope {

namespace {

class Mxfp4Dequantizer final : public Dequantizer
{
public:
    Mxfp4Dequantizer(const LogicalTensor& t, StoredPart blocks, StoredPart scales)
        : Dequantizer(t, blocks.path), m_blocks(std::move(blocks)), m_scales(std::move(scales))
    {
        for (int code = 0; code < 16; ++code)
            m_lut[code] = decodeF4(static_cast<uint8_t>(code));
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        const uint64_t end = first + count;
        for (uint64_t e = first; e < end;) {
            const uint64_t block = e / 32;
            const uint64_t blockEnd = std::min((block + 1) * 32, end);
            // ldexp as the reference does: exponent 255 gives infinities, not a NaN code.
            const float scale = std::ldexp(1.0f, static_cast<int>(m_scales.data[block]) - 127);
            for (; e < blockEnd; ++e) {
                const uint8_t byte = m_blocks.data[e / 2];
                *out++ = m_lut[(e % 2) ? byte >> 4 : byte & 15] * scale;
            }
        }
    }

private:
    StoredPart m_blocks, m_scales;
    float m_lut[16] = {};
};

} // namespace

void recogniseMxfp4(Recognition& r, std::string_view stem)
{
    const std::string name(stem);
    const std::optional<Recognition::Part> blocks = r.find(name + "_blocks");
    const std::optional<Recognition::Part> scales = r.find(name + "_scales");
    if (!blocks || blocks->info->dtype != DType::U8)
        return;
    if (!scales)
        return r.missing(name, name + "_scales", "MXFP4");
    const TensorInfo& b = *blocks->info;
    if (b.rank() < 2 || b.shape.back() != 16)
        return r.misshapen(name, *blocks, QStringLiteral("U8 [..., blocks, 16]"));
    const std::span<const uint64_t> lead = b.shape.first(b.rank() - 1);
    const TensorInfo& s = *scales->info;
    if (s.dtype != DType::U8 || s.rank() != lead.size() || !std::equal(lead.begin(), lead.end(), s.shape.begin()))
        return r.misshapen(name, *scales, QStringLiteral("U8 %1").arg(shapeText(lead)));
    LogicalTensor t;
    t.name = name;
    t.scheme = QuantScheme::Mxfp4;
    t.bits = 4;
    t.groupSize = 32;
    t.shape.assign(lead.begin(), lead.end());
    t.shape.back() *= 32;
    r.add(std::move(t), {{"blocks", &*blocks}, {"scales", &*scales}});
}

DequantizerResult makeMxfp4Dequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> blocks = parts.find(tensor.part("blocks"));
    Result<StoredPart> scales = parts.find(tensor.part("scales"));
    if (!blocks)
        return blocks.error();
    if (!scales)
        return scales.error();
    return std::unique_ptr<const Dequantizer>(new Mxfp4Dequantizer(tensor, std::move(*blocks), std::move(*scales)));
}

} // namespace safescope
