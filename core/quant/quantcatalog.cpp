#include "core/quant/quantcatalog.h"

#include "core/format/model.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"

namespace safescope {

namespace {

bool method(const QuantConfig& config, const char* name)
{
    return config.method == QLatin1String(name);
}

// The parts whose names say which scheme's recogniser looks at them. Anchors are the parts no other layout uses
// under that name, so a name is looked at by one recogniser at most and the pass stays linear.
enum class Anchor
{
    None,
    BnbState, // X.weight.quant_state.bitsandbytes__nf4 / __fp4
    ScaleInv, // X.weight_scale_inv: FP8 block scales
    Scale,    // X.weight_scale: FP8 or NVFP4
    QWeight,  // X.qweight: GPTQ or AWQ
    Blocks,   // X_blocks: MXFP4
    Scb,      // X.SCB: LLM.int8
    Biases    // X.biases: MLX
};

constexpr std::string_view kBnbState = ".weight.quant_state.bitsandbytes__";

/// The anchor `name` is, and the length of its stem (the name without the anchor's suffix).
Anchor anchorOf(std::string_view name, size_t& stem)
{
    static constexpr std::pair<std::string_view, Anchor> kSuffixes[] = {{".weight_scale_inv", Anchor::ScaleInv},
                                                                        {".weight_scale", Anchor::Scale},
                                                                        {".qweight", Anchor::QWeight},
                                                                        {"_blocks", Anchor::Blocks},
                                                                        {".SCB", Anchor::Scb},
                                                                        {".biases", Anchor::Biases}};
    if (const size_t at = name.rfind(kBnbState); at != std::string_view::npos) {
        stem = at;
        return Anchor::BnbState;
    }
    for (const auto& [suffix, anchor] : kSuffixes) {
        if (endsWith(name, suffix)) {
            stem = name.size() - suffix.size();
            return anchor;
        }
    }
    return Anchor::None;
}

// Sends one stored name to the recogniser of the scheme whose anchor it is.
void dispatch(Recognition& r, std::string_view name)
{
    size_t length = 0;
    const Anchor anchor = anchorOf(name, length);
    const std::string_view stem = name.substr(0, length);
    switch (anchor) {
    case Anchor::None:
        return;
    case Anchor::BnbState:
        return recogniseBnb4(r, stem, name.substr(length + kBnbState.size()));
    case Anchor::ScaleInv:
        return recogniseFp8Block(r, stem);
    case Anchor::Scale: {
        const std::optional<size_t> weight = r.model().find(std::string(stem) + ".weight");
        // NVFP4 keeps E2M1 pairs in a U8 weight; FP8 schemes an F8 weight.
        if (weight && r.model().tensor(*weight).dtype == DType::U8)
            return recogniseNvfp4(r, stem);
        return recogniseFp8Scaled(r, stem);
    }
    case Anchor::QWeight:
        if (method(r.config(), "awq"))
            return recogniseAwq(r, stem);
        if (method(r.config(), "gptq"))
            return recogniseGptq(r, stem);
        return r.problem(std::string(stem) + ".weight",
                         QStringLiteral("'%1' holds packed integer weights, but no GPTQ or AWQ quantization config "
                                        "was found (config.json, quantize_config.json); they are shown as stored")
                             .arg(nameText(name)));
    case Anchor::Blocks:
        return recogniseMxfp4(r, stem);
    case Anchor::Scb:
        return recogniseBnbInt8(r, stem);
    case Anchor::Biases:
        return recogniseMlx(r, stem);
    }
}

} // namespace

std::optional<size_t> QuantCatalog::find(std::string_view name) const
{
    if (const auto found = m_byName.find(name, [this](uint32_t k) { return std::string_view(tensors[k].name); }))
        return size_t{*found};
    return std::nullopt;
}

void QuantCatalog::indexNames()
{
    m_byName = NameIndex(static_cast<uint32_t>(tensors.size()),
                         [this](uint32_t k) { return std::string_view(tensors[k].name); });
}

QuantCatalog recogniseQuantized(const Model& model, const QuantConfig& config)
{
    QuantCatalog catalog;
    const size_t count = model.tensorCount();
    catalog.storedPart.assign(count, false);
    // Every logical tensor claims at least two stored ones (its anchor and its codes), so half the names bound the
    // catalog in any layout the recognisers accept: reserved once, it is never moved while it grows, and the unused
    // tail is address space only. (Counting the anchors first read every name once more: cache misses over a
    // DeepSeek-sized index's 90,000 names.)
    catalog.tensors.reserve(count / 2 + 1);
    catalog.partStart.reserve(count / 2 + 2);
    catalog.partStart.push_back(0);
    Recognition recognition(model, config, catalog);
    for (size_t i = 0; i < count; ++i)
        if (!catalog.storedPart[i])
            dispatch(recognition, model.qualifiedName(i));

    for (size_t i = 0; i < count; ++i) {
        const uint64_t elements = model.tensor(i).elementCount;
        catalog.storedParameters += elements;
        if (!catalog.storedPart[i])
            catalog.logicalParameters += elements;
    }
    for (const LogicalTensor& tensor : catalog.tensors)
        catalog.logicalParameters += tensor.elementCount;
    catalog.indexNames();
    return catalog;
}

} // namespace safescope
