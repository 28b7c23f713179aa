#include "core/io/bytesourcecopy.h"

#include "core/io/bytesource.h"
#include "core/io/systemfile.h"

#include <algorithm>
#include <memory>

namespace safescope {

Status copyFromByteSource(const ByteSource& source, uint64_t sourceOffset, SystemFile& target, uint64_t targetOffset,
                          uint64_t length, const std::atomic_bool* cancel, const CopyBlockFn& onBlock)
{
    if (length == 0)
        return Ok{};
    const uint64_t chunk = std::min(length, kByteSourceChunk);
    const std::unique_ptr<unsigned char[]> buffer(new unsigned char[static_cast<size_t>(chunk)]);
    for (uint64_t done = 0; done < length;) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return makeError(ErrorKind::Cancelled, QStringLiteral("the copy was cancelled"), target.path());
        const uint64_t part = std::min(chunk, length - done);
        if (Status read = source.read(sourceOffset + done, part, buffer.get(), cancel); !read)
            return read;
        if (Status written = target.writeAt(buffer.get(), part, targetOffset + done); !written)
            return written;
        done += part;
        if (onBlock && !onBlock(done))
            return makeError(ErrorKind::Cancelled, QStringLiteral("the copy was cancelled"), target.path());
    }
    return Ok{};
}

} // namespace safescope
