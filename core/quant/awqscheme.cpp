// AWQ GEMM, as AutoAWQ writes it. Reference: casper-hansen/AutoAWQ awq/utils/packing_utils.py, unpack_awq (eight
// 4-bit codes per int32 word along the outputs) and reverse_awq_order (the codes of outputs 0..7 sit at nibbles
// 0,4,1,5,2,6,3,7: pack order 0,2,4,6,1,3,5,7), then dequantize_gemm: (iweight - izeros) * scales, with the zero
// stored as is (no +1, unlike GPTQ v1). AutoAWQ's result is [in, out]; the logical shape here is [out, in], the
// float checkpoint's `X.weight`, so a quantized model pairs with its original by name and shape.
#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

namespace safescope {

namespace {

// Nibble holding output j of a word (the inverse of AWQ's pack order 0,2,4,6,1,3,5,7).
constexpr unsigned kNibbleOf[8] = {0, 4, 1, 5, 2, 6, 3, 7};

class AwqDequantizer final : public Dequantizer
{
public:
    AwqDequantizer(const LogicalTensor& t, StoredPart qweight, StoredPart qzeros, StoredPart scales)
        : Dequantizer(t, qweight.path), m_qweight(std::move(qweight)), m_qzeros(std::move(qzeros)),
          m_scales(std::move(scales))
    {
        m_out = t.shape[0];
        m_in = t.shape[1];
        m_words = m_qweight.shape[1];
        m_group = static_cast<uint64_t>(t.groupSize);
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        // A row's zero points and scales, one per group, decoded once per row rather than once per element.
        thread_local std::vector<float> zeros, scales;
        const uint64_t groups = m_scales.shape[0];
        zeros.resize(static_cast<size_t>(groups));
        scales.resize(static_cast<size_t>(groups));
        const uint64_t end = first + count;
        uint64_t o = first / m_in;
        uint64_t i = first % m_in;
        for (uint64_t e = first; e < end; ++o, i = 0) {
            const unsigned shift = 4 * kNibbleOf[o % 8];
            for (uint64_t g = 0; g < groups; ++g) {
                zeros[static_cast<size_t>(g)] = static_cast<float>((m_qzeros.word(g * m_words + o / 8) >> shift) & 15u);
                scales[static_cast<size_t>(g)] = m_scales.scale(g * m_out + o);
            }
            const uint64_t rowEnd = std::min(end, e + (m_in - i));
            for (; e < rowEnd; ++e, ++i) {
                const size_t g = static_cast<size_t>(i / m_group);
                const float q = static_cast<float>((m_qweight.word(i * m_words + o / 8) >> shift) & 15u);
                *out++ = (q - zeros[g]) * scales[g];
            }
        }
    }

    // Stored order: the words of qweight row by row, each word's eight outputs in logical order: element k is
    // output (k / 8 % words) * 8 + k % 8 of input k / 8 / words.
    void decodeStoredOrder(uint64_t first, uint64_t count, float* out) const override
    {
        const uint64_t end = first + count;
        for (uint64_t k = first; k < end;) {
            const uint64_t w = k / 8;
            const uint64_t i = w / m_words, column = w % m_words, g = i / m_group;
            const uint32_t word = m_qweight.word(w);
            const uint32_t zeros = m_qzeros.word(g * m_words + column);
            const uint64_t stop = std::min(end, (w + 1) * 8);
            for (uint64_t j = k % 8; k < stop; ++k, ++j) {
                const unsigned shift = 4 * kNibbleOf[j];
                const float q = static_cast<float>((word >> shift) & 15u);
                const float z = static_cast<float>((zeros >> shift) & 15u);
                *out++ = (q - z) * m_scales.scale(g * m_out + column * 8 + j);
            }
        }
    }

    // Code counting: a segment is one group of one output, (g, o) numbered g * out + o, whose codes share a zero
    // point and a scale.
    CodeLayout codeLayout() const override
    {
        // Keys as GPTQ has them: a 16-bit scale's bits, with a row of 32 entries for q - zero + 16.
        const bool keyed = m_scales.dtype == DType::F16 || m_scales.dtype == DType::BF16;
        return {16, m_scales.shape[0] * m_out, std::max<uint64_t>(std::min(m_group, m_in), 1),
                keyed ? uint64_t(1) << 16 : 0, keyed ? 32 : 0};
    }

    void countCodes(uint64_t first, uint64_t count, uint16_t* counts) const override
    {
        const uint64_t last = first + count;
        for (uint64_t s = first; s < last;) {
            const uint64_t g = s / m_out, o0 = s % m_out, o1 = std::min(m_out, o0 + (last - s));
            const uint64_t i1 = std::min(m_in, (g + 1) * m_group);
            for (uint64_t i = g * m_group; i < i1; ++i) {
                for (uint64_t o = o0; o < o1;) {
                    const uint32_t word = m_qweight.word(i * m_words + o / 8);
                    const uint64_t stop = std::min(o1, (o / 8 + 1) * 8);
                    for (; o < stop; ++o)
                        ++counts[(s - first + (o - o0)) * 16 + ((word >> (4 * kNibbleOf[o % 8])) & 15u)];
                }
            }
            s += o1 - o0;
        }
    }

    void segmentValues(uint64_t segment, float* values) const override
    {
        const uint64_t g = segment / m_out, o = segment % m_out;
        const float z = static_cast<float>((m_qzeros.word(g * m_words + o / 8) >> (4 * kNibbleOf[o % 8])) & 15u);
        const float scale = m_scales.scale(g * m_out + o);
        for (int q = 0; q < 16; ++q)
            values[q] = (static_cast<float>(q) - z) * scale;
    }

    void segmentKeys(uint64_t first, uint64_t count, uint32_t* keys, uint32_t* offsets) const override
    {
        for (uint64_t s = first; s < first + count; ++s) {
            const uint64_t g = s / m_out, o = s % m_out;
            uint16_t scaleBits;
            std::memcpy(&scaleBits, m_scales.data + 2 * s, 2);
            keys[s - first] = scaleBits;
            offsets[s - first] = 16u - ((m_qzeros.word(g * m_words + o / 8) >> (4 * kNibbleOf[o % 8])) & 15u);
        }
    }

    void keyValues(uint32_t key, float* values) const override
    {
        const auto scaleBits = static_cast<uint16_t>(key);
        const float scale = m_scales.dtype == DType::F16 ? decodeF16(scaleBits) : decodeBF16(scaleBits);
        for (int e = 0; e < 32; ++e) // q - z is exact in float: entry q - z + 16 has the decoded value
            values[e] = static_cast<float>(e - 16) * scale;
    }

private:
    StoredPart m_qweight, m_qzeros, m_scales;
    uint64_t m_out = 0, m_in = 0, m_words = 0, m_group = 1;
};

} // namespace

void recogniseAwq(Recognition& r, std::string_view stem)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> qweight = r.find(stem, ".qweight");
    const std::optional<Recognition::Part> qzeros = r.find(stem, ".qzeros");
    const std::optional<Recognition::Part> scales = r.find(stem, ".scales");
    if (!qweight)
        return;
    for (const auto& [part, suffix] : {std::pair{&qzeros, ".qzeros"}, std::pair{&scales, ".scales"}})
        if (!*part)
            return r.missing(name, std::string(stem) + suffix, "AWQ");
    const QuantConfig& config = r.config();
    if (config.bits != 4 || config.groupSize <= 0 ||
        (!config.version.isEmpty() && config.version != QLatin1String("gemm")))
        return r.problem(name, QStringLiteral("AWQ weight '%1': only 4-bit GEMM checkpoints with a group size are "
                                              "read (config: %2 bits, group %3, version '%4'); its stored tensors "
                                              "are shown as they are")
                                   .arg(QString::fromStdString(name))
                                   .arg(config.bits)
                                   .arg(config.groupSize)
                                   .arg(config.version));
    const TensorInfo& qw = *qweight->info;
    if ((qw.dtype != DType::I32 && qw.dtype != DType::U32) || qw.rank() != 2)
        return r.misshapen(name, *qweight, QStringLiteral("I32 [in, out / 8]"));
    const uint64_t in = qw.shape[0];
    const uint64_t out = qw.shape[1] * 8;
    const uint64_t group = static_cast<uint64_t>(config.groupSize);
    const uint64_t groups = (in + group - 1) / group;
    const TensorInfo& s = *scales->info;
    if (!isScaleDType(s.dtype) || s.rank() != 2 || s.shape[0] != groups || s.shape[1] != out)
        return r.misshapen(name, *scales, QStringLiteral("F16 [%1, %2]").arg(groups).arg(out));
    const TensorInfo& z = *qzeros->info;
    if ((z.dtype != DType::I32 && z.dtype != DType::U32) || z.rank() != 2 || z.shape[0] != groups ||
        z.shape[1] != qw.shape[1])
        return r.misshapen(name, *qzeros, QStringLiteral("I32 [%1, %2]").arg(groups).arg(qw.shape[1]));
    LogicalTensor t;
    t.name = name;
    t.scheme = QuantScheme::Awq;
    t.bits = 4;
    t.groupSize = config.groupSize;
    t.shape = {out, in};
    r.add(std::move(t), {{"qweight", &*qweight}, {"qzeros", &*qzeros}, {"scales", &*scales}});
}

DequantizerResult makeAwqDequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> qweight = parts.find(tensor.part("qweight"));
    Result<StoredPart> qzeros = parts.find(tensor.part("qzeros"));
    Result<StoredPart> scales = parts.find(tensor.part("scales"));
    for (const Result<StoredPart>* p : {&qweight, &qzeros, &scales})
        if (!*p)
            return p->error();
    return std::unique_ptr<const Dequantizer>(
        new AwqDequantizer(tensor, std::move(*qweight), std::move(*qzeros), std::move(*scales)));
}

} // namespace safescope
