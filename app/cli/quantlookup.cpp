#include "quantlookup.h"

#include "core/format/model.h"
#include "core/remote/modellocation.h"
#include "core/remote/remoteconfigs.h"
#include "core/remote/tensorbytes.h"
#include "core/text/textutil.h"
#include "modelargument.h"

namespace safescope::cli {

QuantView quantViewOf(const Model& model)
{
    QuantView view;
    // A remote model's config files are fetched from beside its weights, so its quantized weights are recognised
    // as the local copy's are.
    if (isRemoteModel(model)) {
        RemoteConfigs configs = readRemoteConfigs(besideWeightsOf(model));
        view.config = std::move(configs.quantConfig);
        view.remoteCard = std::move(configs.card);
    } else {
        view.config = readQuantConfig(model.path());
    }
    view.catalog = recogniseQuantized(model, view.config);
    return view;
}

Result<ResolvedTensor> resolveTensor(const Model& model, const QuantCatalog& catalog, const std::string& name, bool raw)
{
    ResolvedTensor resolved;
    if (const std::optional<size_t> at = catalog.find(name)) {
        const LogicalTensor& logical = catalog.tensors[*at];
        if (!raw) {
            // A remote model's stored parts are fetched whole first (TensorBytes decides), a local one's mapped.
            auto dequantizer = TensorBytes::dequantizer(model, logical);
            if (!dequantizer)
                return inLogicalTensor(dequantizer.error(), logical);
            resolved.dequantizer = std::move(*dequantizer);
            return resolved;
        }
        // The stored codes: the part that shares the name (FP8, int8, NVFP4, MLX), else the main part, which
        // every scheme lists first (qweight, _blocks).
        resolved.stored = model.find(name);
        if (!resolved.stored && !logical.parts.empty())
            resolved.stored = model.find(logical.parts.front().second);
    } else {
        resolved.stored = model.find(name);
    }
    if (!resolved.stored)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("no tensor named '%1'").arg(toQString(name)),
                         model.path());
    return resolved;
}

Error inLogicalTensor(Error error, const LogicalTensor& tensor)
{
    if (error.kind == ErrorKind::Cancelled || error.tensor)
        return error;
    const QString name = toQString(tensor.name);
    error.tensor = name;
    if (!error.message.contains(u'\'' + name + u'\''))
        error.message = QStringLiteral("tensor '%1': %2").arg(name, error.message);
    return error;
}

} // namespace safescope::cli
