// bitsandbytes LLM.int8 as transformers serialises Int8Params: `X.weight` I8 [out, in] with one absmax per row in
// `X.SCB` F32 [out] (and an optional `X.weight_format`). Value: w * SCB[row] / 127. Reference: bitsandbytes
// bitsandbytes/nn/modules.py Int8Params / Linear8bitLt._save_to_state_dict, and functional.py int8_vectorwise_dequant
// (A * stats.view(-1, 1) * 1/127).
#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

namespace safescope {

namespace {

class BnbInt8Dequantizer final : public Dequantizer
{
public:
    BnbInt8Dequantizer(const LogicalTensor& t, StoredPart weight, StoredPart scb)
        : Dequantizer(t, weight.path), m_weight(std::move(weight)), m_scb(std::move(scb)), m_in(t.shape[1])
    {}

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        const uint64_t end = first + count;
        for (uint64_t e = first; e < end;) {
            const uint64_t row = e / m_in;
            const uint64_t rowEnd = std::min((row + 1) * m_in, end);
            const float s = m_scb.scale(row) * (1.0f / 127.0f);
            for (; e < rowEnd; ++e)
                *out++ = static_cast<float>(static_cast<int8_t>(m_weight.data[e])) * s;
        }
    }

private:
    StoredPart m_weight, m_scb;
    uint64_t m_in;
};

} // namespace

void recogniseBnbInt8(Recognition& r, std::string_view stem)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> scb = r.find(stem, ".SCB");
    const std::optional<Recognition::Part> weight = r.find(name);
    const std::optional<Recognition::Part> format = r.find(name + "_format");
    if (!scb)
        return;
    if (!weight)
        return r.missing(name, name, "LLM.int8");
    const TensorInfo& w = *weight->info;
    if (w.dtype != DType::I8 || w.rank() != 2)
        return r.misshapen(name, *weight, QStringLiteral("I8 [out, in]"));
    if (scb->info->dtype != DType::F32 || scb->info->rank() != 1 || scb->info->shape[0] != w.shape[0])
        return r.misshapen(name, *scb, QStringLiteral("F32 [%1]").arg(w.shape[0]));
    LogicalTensor t;
    t.name = name;
    t.scheme = QuantScheme::BnbInt8;
    t.bits = 8;
    t.shape = {w.shape[0], w.shape[1]};
    r.add(std::move(t), {{"weight", &*weight}, {"SCB", &*scb}, {"weight_format", format ? &*format : nullptr}});
}

DequantizerResult makeBnbInt8Dequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> weight = parts.find(tensor.part("weight"));
    Result<StoredPart> scb = parts.find(tensor.part("SCB"));
    if (!weight)
        return weight.error();
    if (!scb)
        return scb.error();
    return std::unique_ptr<const Dequantizer>(new BnbInt8Dequantizer(tensor, std::move(*weight), std::move(*scb)));
}

} // namespace safescope
