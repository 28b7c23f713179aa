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

// Sends one stored name to the recogniser of the scheme whose anchor it is. Anchors are the parts no other
// layout uses under that name, so a name is looked at by one recogniser at most and the pass stays linear.
void dispatch(Recognition& r, std::string_view name)
{
    const QuantConfig& config = r.config();
    constexpr std::string_view kBnbState = ".weight.quant_state.bitsandbytes__";
    if (const size_t at = name.rfind(kBnbState); at != std::string_view::npos) {
        recogniseBnb4(r, name.substr(0, at), name.substr(at + kBnbState.size()));
    } else if (endsWith(name, ".weight_scale_inv")) {
        recogniseFp8Block(r, name.substr(0, name.size() - 17));
    } else if (endsWith(name, ".weight_scale")) {
        const std::string_view stem = name.substr(0, name.size() - 13);
        const std::optional<size_t> weight = r.model().find(std::string(stem) + ".weight");
        // NVFP4 keeps E2M1 pairs in a U8 weight; FP8 schemes an F8 weight.
        if (weight && r.model().tensor(*weight).dtype == DType::U8)
            recogniseNvfp4(r, stem);
        else
            recogniseFp8Scaled(r, stem);
    } else if (endsWith(name, ".qweight")) {
        const std::string_view stem = name.substr(0, name.size() - 8);
        if (method(config, "awq"))
            recogniseAwq(r, stem);
        else if (method(config, "gptq"))
            recogniseGptq(r, stem);
        else
            r.problem(std::string(stem) + ".weight",
                      QStringLiteral("'%1' holds packed integer weights, but no GPTQ or AWQ quantization config was "
                                     "found (config.json, quantize_config.json); they are shown as stored")
                          .arg(QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()))));
    } else if (endsWith(name, "_blocks")) {
        recogniseMxfp4(r, name.substr(0, name.size() - 7));
    } else if (endsWith(name, ".SCB")) {
        recogniseBnbInt8(r, name.substr(0, name.size() - 4));
    } else if (endsWith(name, ".biases")) {
        recogniseMlx(r, name.substr(0, name.size() - 7));
    }
}

} // namespace

std::optional<size_t> QuantCatalog::find(std::string_view name) const
{
    const auto it = byName.find(std::string(name));
    return it == byName.end() ? std::nullopt : std::optional<size_t>(it->second);
}

QuantCatalog recogniseQuantized(const Model& model, const QuantConfig& config)
{
    QuantCatalog catalog;
    const size_t count = model.tensorCount();
    catalog.storedPart.assign(count, false);
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
    // Indexed once at the end, sized up front: growing the map tensor by tensor rehashed it over and over.
    catalog.byName.reserve(catalog.tensors.size());
    for (size_t i = 0; i < catalog.tensors.size(); ++i) {
        catalog.byName.emplace(catalog.tensors[i].name, i);
        catalog.logicalParameters += catalog.tensors[i].elementCount;
    }
    return catalog;
}

} // namespace safescope
