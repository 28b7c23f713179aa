#include "core/values/tensorview.h"

#include "core/format/model.h"

namespace safescope {

TensorView viewOf(const Model& model, size_t index)
{
    const TensorInfo& info = model.tensor(index);
    return TensorView{
        info.dtype,        {info.shape.begin(), info.shape.end()},
        info.elementCount, model.tensorData(index),
        info.byteSize(),   model.shardOf(index).file->isMapped() ? &model.shardOf(index).file->mapping() : nullptr};
}

} // namespace safescope
