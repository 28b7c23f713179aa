// NVFP4 as NVIDIA ModelOpt exports it: `X.weight` U8 [out, in / 2] (E2M1 pairs, even element in the low nibble),
// `X.weight_scale` F8_E4M3 [out, in / 16] per group of 16, `X.weight_scale_2` F32 scalar (global), `X.input_scale`
// for activations. Value: e2m1 * weight_scale * weight_scale_2. Reference: NVIDIA TensorRT-Model-Optimizer
// modelopt/torch/quantization/qtensor/nvfp4_tensor.py, NVFP4QTensor.dequantize (unpacks low then high nibble,
// multiplies by per-block scale times the second-level scale); vLLM model_executor/layers/quantization/modelopt.py.
#include "core/format/model.h"
#include "core/io/sigbusguard.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

namespace safescope {

namespace {

class Nvfp4Dequantizer final : public Dequantizer
{
public:
    Nvfp4Dequantizer(const LogicalTensor& t, StoredPart weight, StoredPart scale, float global)
        : Dequantizer(t, weight.path), m_weight(std::move(weight)), m_scale(std::move(scale)), m_global(global)
    {
        m_in = t.shape[1];
        m_group = static_cast<uint64_t>(t.groupSize);
        m_scaleCols = m_scale.shape[1];
        for (int code = 0; code < 16; ++code)
            m_lut[code] = decodeF4(static_cast<uint8_t>(code));
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        const uint64_t end = first + count;
        uint64_t row = first / m_in, col = first % m_in;
        for (uint64_t e = first; e < end;) {
            const uint64_t groupEnd = std::min((col / m_group + 1) * m_group, m_in);
            const uint64_t run = std::min(groupEnd - col, end - e);
            const float s = decodeF8(DType::F8_E4M3, m_scale.data[row * m_scaleCols + col / m_group]) * m_global;
            for (uint64_t k = 0; k < run; ++k, ++e) {
                const uint8_t byte = m_weight.data[e / 2]; // rows hold in / 2 bytes, so e / 2 is the pair's byte
                *out++ = m_lut[(e % 2) ? byte >> 4 : byte & 15] * s;
            }
            col += run;
            if (col == m_in) {
                col = 0;
                ++row;
            }
        }
    }

private:
    StoredPart m_weight, m_scale;
    float m_global;
    uint64_t m_in = 0, m_group = 16, m_scaleCols = 1;
    float m_lut[16] = {};
};

} // namespace

void recogniseNvfp4(Recognition& r, std::string_view stem)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> weight = r.find(name);
    const std::optional<Recognition::Part> scale = r.find(stem, ".weight_scale");
    const std::optional<Recognition::Part> scale2 = r.find(stem, ".weight_scale_2");
    const std::optional<Recognition::Part> input = r.find(stem, ".input_scale");
    if (!weight || !scale)
        return;
    if (!scale2)
        return r.missing(name, std::string(stem) + ".weight_scale_2", "NVFP4");
    const TensorInfo& w = *weight->info;
    if (w.rank() != 2)
        return r.misshapen(name, *weight, QStringLiteral("U8 [out, in / 2]"));
    const uint64_t out = w.shape[0], in = w.shape[1] * 2;
    const TensorInfo& s = *scale->info;
    // The group follows from the shapes; a declared group size must agree with them.
    const int declared = r.config().groupSize;
    if (s.dtype != DType::F8_E4M3 || s.rank() != 2 || s.shape[0] != out || s.shape[1] == 0 || in % s.shape[1] != 0 ||
        (declared > 0 && in / s.shape[1] != static_cast<uint64_t>(declared)))
        return r.misshapen(name, *scale,
                           QStringLiteral("F8_E4M3 [%1, %2]").arg(out).arg(declared > 0 ? in / declared : in / 16));
    if (!isScaleDType(scale2->info->dtype) || scale2->info->elementCount != 1)
        return r.misshapen(name, *scale2, QStringLiteral("one F32 value"));
    LogicalTensor t;
    t.name = name;
    t.scheme = QuantScheme::Nvfp4;
    t.bits = 4;
    t.groupSize = static_cast<int>(in / s.shape[1]);
    t.shape = {out, in};
    r.add(std::move(t), {{"weight", &*weight},
                         {"weight_scale", &*scale},
                         {"weight_scale_2", &*scale2},
                         {"input_scale", input ? &*input : nullptr}});
}

DequantizerResult makeNvfp4Dequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> weight = parts.find(tensor.part("weight"));
    Result<StoredPart> scale = parts.find(tensor.part("weight_scale"));
    Result<StoredPart> scale2 = parts.find(tensor.part("weight_scale_2"));
    for (const Result<StoredPart>* p : {&weight, &scale, &scale2})
        if (!*p)
            return p->error();
    float global = 0.0f;
    const Status read = [&]() -> Status {
        if (!SigbusGuard::runGuarded([&] { global = scale2->scale(0); }))
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("the file changed while '%1' was being read")
                                 .arg(nameText(tensor.part("weight_scale_2"))),
                             scale2->path);
        return Ok{};
    }();
    if (!read)
        return read.error();
    return std::unique_ptr<const Dequantizer>(
        new Nvfp4Dequantizer(tensor, std::move(*weight), std::move(*scale), global));
}

} // namespace safescope
