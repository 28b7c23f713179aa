#include "core/remote/tensorbytes.h"

#include "core/format/model.h"
#include "core/quant/dequantizer.h"
#include "core/remote/fetchedtensor.h"

#include <algorithm>

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
                                        const std::atomic_bool* cancel, const ProgressFn& progress)
{
    TensorBytes bytes;
    if (!isRemote(model, index)) {
        bytes.m_view = viewOf(model, index);
        return bytes;
    }
    auto fetched =
        FetchedTensor::fetchWindow(model, index, spec, rowBegin, rowCount, colBegin, colCount, cancel, progress);
    if (!fetched)
        return fetched.error();
    bytes.m_fetched = std::move(*fetched);
    bytes.m_view = bytes.m_fetched->view();
    return bytes;
}

TensorBytesFn TensorBytes::parts(const Model& model, uint64_t totalBytes, ProgressFn progress,
                                 std::shared_ptr<std::atomic<uint64_t>> fetched)
{
    // Parts are asked for one after another (Dequantizer::create), so `done` needs no lock; it is shared because
    // a std::function is copied.
    auto done = std::make_shared<uint64_t>(0);
    return [&model, totalBytes, progress = std::move(progress), fetched = std::move(fetched),
            done](size_t index, const std::atomic_bool& cancel) -> Result<HeldTensorBytes> {
        const uint64_t size = model.tensor(index).byteSize();
        ProgressFn partProgress;
        if (progress && totalBytes > 0)
            partProgress = [&](double fraction) {
                progress(std::min(1.0, (static_cast<double>(*done) + fraction * static_cast<double>(size)) /
                                           static_cast<double>(totalBytes)));
            };
        Result<TensorBytes> bytes = whole(model, index, &cancel, partProgress);
        if (!bytes)
            return bytes.error();
        *done += size;
        if (fetched)
            *fetched += bytes->bytesFetched();
        return HeldTensorBytes{bytes->view().data, bytes->owner()};
    };
}

Result<std::unique_ptr<const Dequantizer>> TensorBytes::dequantizer(const Model& model, const LogicalTensor& tensor,
                                                                    const std::atomic_bool* cancel,
                                                                    const ProgressFn& progress, uint64_t* bytesFetched)
{
    uint64_t total = 0;
    for (const auto& [role, name] : tensor.parts)
        if (const std::optional<size_t> index = model.find(name))
            total += model.tensor(*index).byteSize();
    auto fetched = std::make_shared<std::atomic<uint64_t>>(0);
    auto made = Dequantizer::create(model, tensor, parts(model, total, progress, fetched), cancel);
    if (bytesFetched)
        *bytesFetched = *fetched;
    return made;
}

} // namespace safescope
