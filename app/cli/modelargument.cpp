#include "modelargument.h"

#include "core/format/model.h"
#include "core/remote/modellocation.h"

namespace safescope::cli {

Result<std::shared_ptr<const Model>> openModelArgument(const QString& location, OpenMode mode)
{
    return openModelLocation(location, mode);
}

Error remoteNotSupported(const Model& model, const QString& what)
{
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("%1: %2 works on local files only; download the model first (hf download)")
                         .arg(model.path(), what),
                     model.path());
}

Result<TensorValues> wholeTensor(const Model& model, size_t index)
{
    TensorValues values;
    if (!model.shardOf(index).file->byteSource()) {
        values.view = viewOf(model, index);
        return values;
    }
    auto fetched = FetchedTensor::fetchWhole(model, index);
    if (!fetched)
        return fetched.error();
    values.fetched = std::move(*fetched);
    values.view = values.fetched->view();
    return values;
}

} // namespace safescope::cli
