#pragma once

#include "core/format/error.h"
#include "core/modelinfo/modelcard.h"
#include "core/quant/dequantizer.h"
#include "core/quant/quantcatalog.h"
#include "core/quant/quantconfig.h"

#include <memory>
#include <optional>
#include <string>

namespace safescope {
class Model;
}

namespace safescope::cli {

/// A model's quantization as the commands see it: the settings of its folder and what was recognised.
struct QuantView
{
    QuantConfig config;
    QuantCatalog catalog;
    std::optional<ModelCard> remoteCard; ///< a remote model's config.json, read with its quantization configs
};

/// Reads the config files beside `model` (a file's folder, the index's folder or the folder) and recognises its
/// quantized weights. Cheap for a model with none: one pass over the names.
QuantView quantViewOf(const Model& model);

/// What a NAME on the command line stands for: a logical tensor read dequantized, or a stored tensor read as is.
struct ResolvedTensor
{
    std::unique_ptr<const Dequantizer> dequantizer; ///< set when the values are dequantized
    std::optional<size_t> stored;                   ///< the stored tensor otherwise (model index)
};

/// Resolves `name`: a logical name is dequantized unless `raw`; with `raw`, a logical name whose main stored part
/// has another name (GPTQ's qweight, MXFP4's _blocks) reads that part. InvalidArgument when nothing has the name.
Result<ResolvedTensor> resolveTensor(const Model& model, const QuantCatalog& catalog, const std::string& name,
                                     bool raw);

/// The error `error` of reading logical tensor `tensor`, naming it (the stored-tensor errors name the part).
Error inLogicalTensor(Error error, const LogicalTensor& tensor);

} // namespace safescope::cli
