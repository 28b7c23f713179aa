// MLX affine quantization: `X.weight` U32 [..., in * bits / 32] (codes low bits first, running on across words
// for 3, 5 and 6 bits), `X.scales` and `X.biases` [..., in / group_size] in the weights' dtype. Value:
// scale * q + bias (scales may be negative). Bits and group size come from config.json's `quantization`.
// Reference: ml-explore/mlx mlx/backend/cpu/quantized.cpp, _qmm / extract_bits (pack_factor codes per
// bytes_per_pack bytes, lowest bits first) and mlx/ops.cpp dequantize; mlx-lm utils.py quantize_model.
#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

namespace safescope {

namespace {

class MlxDequantizer final : public Dequantizer
{
public:
    MlxDequantizer(const LogicalTensor& t, StoredPart weight, StoredPart scales, StoredPart biases)
        : Dequantizer(t, weight.path), m_weight(std::move(weight)), m_scales(std::move(scales)),
          m_biases(std::move(biases)), m_bits(t.bits)
    {
        m_in = t.shape.back();
        m_rowBytes = m_weight.shape.back() * 4;
        m_group = static_cast<uint64_t>(t.groupSize);
        m_groupsPerRow = m_in / m_group;
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        const uint64_t end = first + count;
        uint64_t row = first / m_in, col = first % m_in;
        for (uint64_t e = first; e < end;) {
            const uint64_t groupEnd = std::min((col / m_group + 1) * m_group, m_in);
            const uint64_t run = std::min(groupEnd - col, end - e);
            const uint64_t g = row * m_groupsPerRow + col / m_group;
            const float s = m_scales.scale(g), b = m_biases.scale(g);
            const unsigned char* bytes = m_weight.data + row * m_rowBytes;
            for (uint64_t k = 0; k < run; ++k, ++col)
                *out++ = s * static_cast<float>(streamBits(bytes, col * static_cast<uint64_t>(m_bits), m_bits)) + b;
            e += run;
            if (col == m_in) {
                col = 0;
                ++row;
            }
        }
    }

private:
    StoredPart m_weight, m_scales, m_biases;
    int m_bits;
    uint64_t m_in = 0, m_rowBytes = 0, m_group = 64, m_groupsPerRow = 1;
};

} // namespace

void recogniseMlx(Recognition& r, std::string_view stem)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> weight = r.find(name);
    const std::optional<Recognition::Part> scales = r.find(stem, ".scales");
    const std::optional<Recognition::Part> biases = r.find(stem, ".biases");
    // `biases` alone is an ordinary name; only a U32 weight beside it makes it MLX's.
    if (!biases || !weight || weight->info->dtype != DType::U32)
        return;
    if (!scales)
        return r.missing(name, std::string(stem) + ".scales", "MLX");
    const QuantConfig& config = r.config();
    const int bits = config.bits, group = config.groupSize;
    if (config.method != QLatin1String("mlx") || bits < 2 || bits > 8 || group <= 0)
        return r.problem(name, QStringLiteral("MLX weight '%1': config.json declares no usable `quantization` "
                                              "(bits %2, group_size %3); its stored tensors are shown as they are")
                                   .arg(QString::fromStdString(name))
                                   .arg(bits)
                                   .arg(group));
    const TensorInfo& w = *weight->info;
    if (w.rank() < 1 || (w.shape.back() * 32) % static_cast<uint64_t>(bits) != 0)
        return r.misshapen(name, *weight, QStringLiteral("U32 [..., in * %1 / 32]").arg(bits));
    const uint64_t in = w.shape.back() * 32 / static_cast<uint64_t>(bits);
    if (in % static_cast<uint64_t>(group) != 0)
        return r.misshapen(name, *weight, QStringLiteral("rows of a multiple of %1 values").arg(group));
    std::vector<uint64_t> groupShape(w.shape.begin(), w.shape.end());
    groupShape.back() = in / static_cast<uint64_t>(group);
    for (const Recognition::Part* p : {&*scales, &*biases})
        if (!isScaleDType(p->info->dtype) ||
            !std::equal(groupShape.begin(), groupShape.end(), p->info->shape.begin(), p->info->shape.end()))
            return r.misshapen(name, *p, QStringLiteral("BF16 %1").arg(shapeText(groupShape)));
    LogicalTensor t;
    t.name = name;
    t.scheme = QuantScheme::Mlx;
    t.bits = bits;
    t.groupSize = group;
    t.shape.assign(w.shape.begin(), w.shape.end());
    t.shape.back() = in;
    r.add(std::move(t), {{"weight", &*weight}, {"scales", &*scales}, {"biases", &*biases}});
}

DequantizerResult makeMlxDequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> weight = parts.find(tensor.part("weight"));
    Result<StoredPart> scales = parts.find(tensor.part("scales"));
    Result<StoredPart> biases = parts.find(tensor.part("biases"));
    for (const Result<StoredPart>* p : {&weight, &scales, &biases})
        if (!*p)
            return p->error();
    return std::unique_ptr<const Dequantizer>(
        new MlxDequantizer(tensor, std::move(*weight), std::move(*scales), std::move(*biases)));
}

} // namespace safescope
