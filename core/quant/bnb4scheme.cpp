// bitsandbytes 4-bit (NF4 / FP4) as transformers serialises Params4bit: `X.weight` U8 holding the flattened weight,
// two codes a byte with the FIRST element in the HIGH nibble; `X.weight.absmax` per block of `blocksize` (F32, or
// U8 codes of a second blockwise quantization when nested: `nested_absmax`, `nested_quant_map`, `nested_offset`);
// `X.weight.quant_map` [16]; and `X.weight.quant_state.bitsandbytes__nf4` (or __fp4): the JSON of the non-tensor
// fields (shape, dtype, blocksize, quant_type, nested_blocksize, nested_offset). Reference: bitsandbytes
// bitsandbytes/functional.py, QuantState.as_dict(packed=True) / QuantState.from_dict, dequantize_4bit (absmax =
// dequantize_blockwise(absmax, state2) + offset when nested) and csrc kDequantizeBlockwise (hi nibble, then lo).
#include "core/format/model.h"
#include "core/io/sigbusguard.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

#include <nlohmann/json.hpp>

namespace safescope {

namespace {

constexpr uint64_t kMaxStateBytes = 1 << 20;

struct QuantState
{
    std::string type;
    std::vector<uint64_t> shape;
    uint64_t blocksize = 0;
    uint64_t nestedBlocksize = 0;
    double nestedOffset = 0.0;
    std::string dtype;
    bool nested = false;
};

// The JSON blob's fields; false when it is not the object QuantState.as_dict writes.
bool parseState(const std::string& text, QuantState& state)
{
    const nlohmann::json root = nlohmann::json::parse(text, nullptr, false);
    if (root.is_discarded() || !root.is_object())
        return false;
    const auto type = root.find("quant_type");
    const auto shape = root.find("shape");
    const auto blocksize = root.find("blocksize");
    if (type == root.end() || !type->is_string() || shape == root.end() || !shape->is_array() ||
        blocksize == root.end() || !blocksize->is_number_unsigned() || blocksize->get<uint64_t>() == 0)
        return false;
    state.type = type->get<std::string>();
    state.blocksize = blocksize->get<uint64_t>();
    for (const auto& d : *shape) {
        if (!d.is_number_unsigned())
            return false;
        state.shape.push_back(d.get<uint64_t>());
    }
    if (const auto dtype = root.find("dtype"); dtype != root.end() && dtype->is_string())
        state.dtype = dtype->get<std::string>();
    if (const auto nb = root.find("nested_blocksize"); nb != root.end()) {
        if (!nb->is_number_unsigned() || nb->get<uint64_t>() == 0)
            return false;
        state.nested = true;
        state.nestedBlocksize = nb->get<uint64_t>();
        const auto offset = root.find("nested_offset");
        if (offset == root.end() || !offset->is_number())
            return false;
        state.nestedOffset = offset->get<double>();
    }
    return true;
}

class Bnb4Dequantizer final : public Dequantizer
{
public:
    Bnb4Dequantizer(const LogicalTensor& t, StoredPart weight, StoredPart absmax, StoredPart quantMap,
                    std::optional<StoredPart> nestedAbsmax, std::optional<StoredPart> nestedMap)
        : Dequantizer(t, weight.path), m_weight(std::move(weight)), m_absmax(std::move(absmax)),
          m_quantMap(std::move(quantMap)), m_nestedAbsmax(std::move(nestedAbsmax)), m_nestedMap(std::move(nestedMap))
    {
        m_blocksize = static_cast<uint64_t>(t.groupSize);
        m_nestedBlocksize = t.block.empty() ? 0 : t.block[0];
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        float map[16];
        for (int i = 0; i < 16; ++i)
            map[i] = m_quantMap.scale(static_cast<uint64_t>(i));
        const uint64_t end = first + count;
        for (uint64_t e = first; e < end;) {
            const uint64_t block = e / m_blocksize;
            const uint64_t blockEnd = std::min((block + 1) * m_blocksize, end);
            const float absmax = absmaxOf(block);
            for (; e < blockEnd; ++e) {
                const uint8_t byte = m_weight.data[e / 2];
                *out++ = map[(e % 2) ? byte & 15 : byte >> 4] * absmax;
            }
        }
    }

private:
    float absmaxOf(uint64_t block) const
    {
        if (!m_nestedAbsmax)
            return m_absmax.scale(block);
        const float code = m_nestedMap->scale(m_absmax.data[block]);
        return static_cast<float>(code * m_nestedAbsmax->scale(block / m_nestedBlocksize) + tensor().offset);
    }

    StoredPart m_weight, m_absmax, m_quantMap;
    std::optional<StoredPart> m_nestedAbsmax, m_nestedMap;
    uint64_t m_blocksize = 64, m_nestedBlocksize = 0;
};

uint64_t ceilDiv(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

} // namespace

void recogniseBnb4(Recognition& r, std::string_view stem, std::string_view type)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> stateTensor =
        r.find(name + ".quant_state.bitsandbytes__" + std::string(type));
    if (!stateTensor)
        return;
    if (type != "nf4" && type != "fp4")
        return r.problem(name, QStringLiteral("bitsandbytes weight '%1' has quant_type '%2'; nf4 and fp4 are read")
                                   .arg(QString::fromStdString(name), QString::fromUtf8(type.data(), type.size())));
    const uint64_t stateBytes = stateTensor->info->byteSize();
    std::string text;
    if (stateBytes <= kMaxStateBytes) {
        text.resize(static_cast<size_t>(stateBytes));
        const unsigned char* data = r.model().tensorData(stateTensor->index);
        if (!data &&
            stateBytes > 0) // a remote model's bytes are not mapped: its QuantState is not read at recognition time
            return r.problem(name, QStringLiteral("the QuantState of '%1' is in a remote file and was not read")
                                       .arg(nameText(stateTensor->name)));
        if (!SigbusGuard::runGuarded([&] { std::memcpy(text.data(), data, text.size()); }))
            return r.problem(
                name, QStringLiteral("the file changed while '%1' was being read").arg(nameText(stateTensor->name)));
    }
    QuantState state;
    if (!parseState(text, state) || state.type != type)
        return r.misshapen(name, *stateTensor, QStringLiteral("the JSON of a bitsandbytes QuantState"));
    uint64_t n = 1;
    for (uint64_t d : state.shape)
        n *= d;
    const std::optional<Recognition::Part> weight = r.find(name);
    const std::optional<Recognition::Part> absmax = r.find(name + ".absmax");
    const std::optional<Recognition::Part> quantMap = r.find(name + ".quant_map");
    const std::optional<Recognition::Part> nestedAbsmax = r.find(name + ".nested_absmax");
    const std::optional<Recognition::Part> nestedMap = r.find(name + ".nested_quant_map");
    if (!weight)
        return r.missing(name, name, "bitsandbytes");
    if (!absmax)
        return r.missing(name, name + ".absmax", "bitsandbytes");
    if (!quantMap)
        return r.missing(name, name + ".quant_map", "bitsandbytes");
    if (state.nested && !nestedAbsmax)
        return r.missing(name, name + ".nested_absmax", "bitsandbytes");
    if (state.nested && !nestedMap)
        return r.missing(name, name + ".nested_quant_map", "bitsandbytes");
    if (weight->info->dtype != DType::U8 || weight->info->elementCount != ceilDiv(n, 2))
        return r.misshapen(name, *weight, QStringLiteral("U8 of %1 bytes").arg(ceilDiv(n, 2)));
    const uint64_t blocks = ceilDiv(n, state.blocksize);
    if (absmax->info->elementCount != blocks || absmax->info->dtype != (state.nested ? DType::U8 : DType::F32))
        return r.misshapen(name, *absmax,
                           QStringLiteral("%1 [%2]").arg(QLatin1String(state.nested ? "U8" : "F32")).arg(blocks));
    if (quantMap->info->dtype != DType::F32 || quantMap->info->elementCount != 16)
        return r.misshapen(name, *quantMap, QStringLiteral("F32 [16]"));
    if (state.nested) {
        const uint64_t nestedBlocks = ceilDiv(blocks, state.nestedBlocksize);
        if (nestedAbsmax->info->dtype != DType::F32 || nestedAbsmax->info->elementCount != nestedBlocks)
            return r.misshapen(name, *nestedAbsmax, QStringLiteral("F32 [%1]").arg(nestedBlocks));
        if (nestedMap->info->dtype != DType::F32 || nestedMap->info->elementCount != 256)
            return r.misshapen(name, *nestedMap, QStringLiteral("F32 [256]"));
    }
    LogicalTensor t;
    t.name = name;
    t.scheme = type == "nf4" ? QuantScheme::BnbNf4 : QuantScheme::BnbFp4;
    t.bits = 4;
    t.groupSize = static_cast<int>(state.blocksize);
    if (state.nested)
        t.block = {state.nestedBlocksize};
    t.shape = state.shape;
    t.codeType = state.dtype;
    t.offset = state.nestedOffset;
    r.add(std::move(t), {{"weight", &*weight},
                         {"absmax", &*absmax},
                         {"quant_map", &*quantMap},
                         {"nested_absmax", state.nested ? &*nestedAbsmax : nullptr},
                         {"nested_quant_map", state.nested ? &*nestedMap : nullptr},
                         {"quant_state", &*stateTensor}});
}

DequantizerResult makeBnb4Dequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> weight = parts.find(tensor.part("weight"));
    Result<StoredPart> absmax = parts.find(tensor.part("absmax"));
    Result<StoredPart> quantMap = parts.find(tensor.part("quant_map"));
    for (const Result<StoredPart>* p : {&weight, &absmax, &quantMap})
        if (!*p)
            return p->error();
    std::optional<StoredPart> nestedAbsmax, nestedMap;
    if (!tensor.block.empty()) {
        Result<StoredPart> a = parts.find(tensor.part("nested_absmax"));
        Result<StoredPart> m = parts.find(tensor.part("nested_quant_map"));
        if (!a)
            return a.error();
        if (!m)
            return m.error();
        nestedAbsmax = std::move(*a);
        nestedMap = std::move(*m);
    }
    return std::unique_ptr<const Dequantizer>(new Bnb4Dequantizer(tensor, std::move(*weight), std::move(*absmax),
                                                                  std::move(*quantMap), std::move(nestedAbsmax),
                                                                  std::move(nestedMap)));
}

} // namespace safescope
