#include "core/quant/storedpart.h"

#include "core/format/model.h"

namespace safescope {

Result<StoredPart> StoredPart::find(const Model& model, const std::string& name)
{
    const std::optional<size_t> index = model.find(name);
    if (!index)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("quantized part '%1' is not in the model").arg(QString::fromStdString(name)),
                         model.path(), QString::fromStdString(name));
    const TensorInfo& info = model.tensor(*index);
    return StoredPart{model.tensorData(*index),
                      info.dtype,
                      {info.shape.begin(), info.shape.end()},
                      info.elementCount,
                      model.shardOf(*index).path};
}

} // namespace safescope
