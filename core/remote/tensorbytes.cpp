#include "core/remote/tensorbytes.h"

#include "core/format/model.h"
#include "core/remote/fetchedtensor.h"

namespace safescope {

bool TensorBytes::isRemote(const Model& model, size_t index)
{
    return index < model.tensorCount() && model.shardOf(index).file->byteSource() != nullptr;
}

uint64_t TensorBytes::bytesFetched() const
{
    return m_fetched ? m_fetched->bytesRead() : 0;
}

Result<TensorBytes> TensorBytes::whole(const Model& model, size_t index, const std::atomic_bool* cancel,
                                       const ProgressFn& progress)
{
    TensorBytes bytes;
    if (!isRemote(model, index)) {
        bytes.m_view = viewOf(model, index);
        return bytes;
    }
    auto fetched = FetchedTensor::fetchWhole(model, index, cancel, progress);
    if (!fetched)
        return fetched.error();
    bytes.m_fetched = std::move(*fetched);
    bytes.m_view = bytes.m_fetched->view();
    return bytes;
}

Result<TensorBytes> TensorBytes::window(const Model& model, size_t index, const SliceSpec& spec, uint64_t rowBegin,
                                        uint64_t rowCount, uint64_t colBegin, uint64_t colCount,
                                        const std::atomic_bool* cancel)
{
    TensorBytes bytes;
    if (!isRemote(model, index)) {
        bytes.m_view = viewOf(model, index);
        return bytes;
    }
    auto fetched = FetchedTensor::fetchWindow(model, index, spec, rowBegin, rowCount, colBegin, colCount, cancel);
    if (!fetched)
        return fetched.error();
    bytes.m_fetched = std::move(*fetched);
    bytes.m_view = bytes.m_fetched->view();
    return bytes;
}

} // namespace safescope
