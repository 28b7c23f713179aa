#include "core/quant/storedpart.h"

#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/text/textutil.h"

namespace safescope {

Result<StoredPart> PartSource::find(std::string_view name) const
{
    const std::optional<size_t> index = model.find(name);
    if (!index)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("quantized part '%1' is not in the model").arg(toQString(name)), model.path(),
                         toQString(name));
    const TensorInfo& info = model.tensor(*index);
    StoredPart part;
    part.data = model.tensorData(*index); // null for a remote shard: `bytes` supplies it
    part.dtype = info.dtype;
    part.shape.assign(info.shape.begin(), info.shape.end());
    part.elementCount = info.elementCount;
    part.byteSize = info.byteSize();
    part.path = model.shardOf(*index).path;
    if (const auto& file = model.shardOf(*index).file; file && file->isMapped() && part.data != nullptr)
        part.source = &file->mapping();
    if (bytes) {
        static const std::atomic_bool never{false};
        Result<HeldTensorBytes> held = bytes(*index, cancel ? *cancel : never);
        if (!held)
            return held.error();
        if (held->data != part.data)
            part.source = nullptr; // fetched bytes, not the mapping's (a local tensor is handed out in place)
        part.data = held->data;
        part.keep = std::move(held->keep);
    }
    return part;
}

ViewReader readerOf(const StoredPart& part)
{
    return readerOf(TensorView{part.dtype, part.shape, part.elementCount, part.data, part.byteSize, part.source});
}

} // namespace safescope
