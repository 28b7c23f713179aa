#include "core/remote/fetchedtensor.h"

#include "core/format/model.h"
#include "core/io/bytesource.h"
#include "core/io/bytesourcecopy.h"
#include "core/remote/blockcache.h"
#include "core/text/textutil.h"

#include <algorithm>

namespace safescope {

std::vector<std::pair<uint64_t, uint64_t>> FetchedTensor::windowRanges(const TensorView& shape,
                                                                       const SliceAddressing& a, uint64_t rowBegin,
                                                                       uint64_t rowCount, uint64_t colBegin,
                                                                       uint64_t colCount)
{
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    if (rowCount == 0 || colCount == 0)
        return ranges;
    const uint64_t bits = static_cast<uint64_t>(dtypeBits(shape.dtype));
    for (uint64_t r = rowBegin; r < rowBegin + rowCount; ++r) {
        const uint64_t first = a.base + r * a.rowStride + colBegin * a.colStride;
        const uint64_t last = first + (colCount - 1) * a.colStride;
        // Sub-byte dtypes share bytes between elements: the range covers every byte an element touches.
        const uint64_t begin = first * bits / 8;
        const uint64_t end = std::min(shape.byteSize, ((last + 1) * bits + 7) / 8);
        ranges.emplace_back(begin, end);
    }
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<uint64_t, uint64_t>> merged;
    for (const auto& range : ranges) {
        if (!merged.empty() && range.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, range.second);
        else
            merged.push_back(range);
    }
    return merged;
}

Result<std::unique_ptr<FetchedTensor>>
FetchedTensor::fetchWhole(const Model& model, size_t index, const std::atomic_bool* cancel, const ProgressFn& progress)
{
    return fetch(model, index, {{0, model.tensor(index).byteSize()}}, cancel, progress);
}

TensorBytesFn FetchedTensor::wholeTensorBytes(const Model& model)
{
    return [&model](size_t index, const std::atomic_bool& cancel) -> Result<HeldTensorBytes> {
        auto fetched = fetchWhole(model, index, &cancel);
        if (!fetched)
            return fetched.error();
        std::shared_ptr<const FetchedTensor> held(std::move(*fetched));
        return HeldTensorBytes{held->view().data, held};
    };
}

Result<std::unique_ptr<FetchedTensor>> FetchedTensor::fetchWindow(const Model& model, size_t index,
                                                                  const SliceSpec& spec, uint64_t rowBegin,
                                                                  uint64_t rowCount, uint64_t colBegin,
                                                                  uint64_t colCount, const std::atomic_bool* cancel,
                                                                  const ProgressFn& progress)
{
    const TensorInfo& info = model.tensor(index);
    TensorView shape{info.dtype, {info.shape.begin(), info.shape.end()}, info.elementCount, nullptr, info.byteSize()};
    auto addressing = sliceAddressing(spec, shape.shape);
    if (!addressing)
        return addressing.error();
    if (rowBegin + rowCount > addressing->rows || colBegin + colCount > addressing->cols)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("the window lies outside the slice"));
    return fetch(model, index, windowRanges(shape, *addressing, rowBegin, rowCount, colBegin, colCount), cancel,
                 progress);
}

Result<std::unique_ptr<FetchedTensor>> FetchedTensor::fetch(const Model& model, size_t index,
                                                            std::vector<std::pair<uint64_t, uint64_t>> ranges,
                                                            const std::atomic_bool* cancel, const ProgressFn& progress)
{
    const TensorInfo& info = model.tensor(index);
    const Model::Shard& shard = model.shardOf(index);
    const ByteSource* source = shard.file->byteSource();
    const QString name = toQString(info.name);
    if (!source)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("tensor '%1' is not remote").arg(name), shard.path,
                         name);
    const uint64_t size = info.byteSize();
    std::unique_ptr<FetchedTensor> fetched(new FetchedTensor(
        size >= kFileBackedBytes ? GuardedBuffer(size, BlockCache::shared().folder() + QStringLiteral("/buffers"))
                                 : GuardedBuffer(size)));
    if (!fetched->m_buffer.valid())
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot reserve %1 bytes of address space for tensor '%2'").arg(info.byteSize()).arg(name),
            shard.path, name);
    // Page-rounded, so every readable page is wholly fetched bytes; merged again after rounding.
    std::vector<std::pair<uint64_t, uint64_t>> pages;
    for (const auto& [begin, end] : ranges) {
        if (begin >= end)
            continue;
        const uint64_t pageBegin = GuardedBuffer::pageFloor(begin);
        const uint64_t pageEnd = fetched->m_buffer.pageCeil(end);
        if (!pages.empty() && pageBegin <= pages.back().second)
            pages.back().second = std::max(pages.back().second, pageEnd);
        else
            pages.emplace_back(pageBegin, pageEnd);
    }
    const uint64_t base = model.absoluteOffset(index);
    uint64_t total = 0;
    for (const auto& [begin, end] : pages)
        total += end - begin;
    uint64_t done = 0;
    for (const auto& [begin, end] : pages) {
        unsigned char* out = fetched->m_buffer.open(begin, end);
        if (!out)
            return makeError(ErrorKind::IoError, QStringLiteral("cannot map memory for tensor '%1'").arg(name),
                             shard.path, name);
        // Read a bounded chunk at a time: the network layer holds a read's blocks in memory until it completes,
        // so one read of a whole large tensor would hold all of it in anonymous memory.
        for (uint64_t at = begin; at < end;) {
            const uint64_t length = std::min(kByteSourceChunk, end - at);
            const ProgressFn part =
                progress ? ProgressFn([&](double f) { progress((double(done) + f * double(length)) / double(total)); })
                         : ProgressFn();
            if (Status status = source->read(base + at, length, out + (at - begin), cancel, part); !status) {
                Error error = status.error();
                if (!error.tensor)
                    error.tensor = name;
                return error;
            }
            at += length;
            done += length;
        }
        fetched->m_buffer.seal(begin, end);
    }
    fetched->m_bytesRead = total;
    fetched->m_view = TensorView{info.dtype,        {info.shape.begin(), info.shape.end()},
                                 info.elementCount, fetched->m_buffer.data(),
                                 info.byteSize(),   nullptr};
    return fetched;
}

} // namespace safescope
