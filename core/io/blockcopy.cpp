#include "core/io/blockcopy.h"

#include <cerrno>
#include <memory>

namespace safescope {

namespace {

constexpr uint64_t kKernelBlock = uint64_t{64} << 20;
constexpr uint64_t kBufferBlock = uint64_t{8} << 20;

Error stopped(const SystemFile& target)
{
    return makeError(ErrorKind::Cancelled, QStringLiteral("writing '%1' was cancelled").arg(target.path()),
                     target.path());
}

// Starts writing a block just copied to the disk, without waiting for it. Every caller syncs the target when it is
// complete; left alone, the kernel would begin writeback only then (or after 30 s), so the copy into the page cache
// and the disk writes would run one after the other. Started per block, they overlap, and the final fsync finds
// little left to do. Advice only: a failure here (say, a file system without it) surfaces at that fsync.
void startWriteback(SystemFile& target, uint64_t offset, uint64_t length)
{
    target.native().startWriteback(offset, length);
}

// Advice only, as above: pages still mapped by a reader (the viewer's mapping of the original) are not dropped.
void releaseSource(const SystemFile& source, uint64_t offset, uint64_t length, SourceCache sourceCache)
{
    if (sourceCache == SourceCache::Release)
        source.native().advise(offset, length, platform::FileAdvice::DontNeed);
}

// As cp does: a source read front to back gets a larger readahead window when it is not cached yet.
void adviseSequential(const SystemFile& source, uint64_t offset, uint64_t length)
{
    source.native().advise(offset, length, platform::FileAdvice::Sequential);
}

} // namespace

Status copyBlocks(const SystemFile& source, uint64_t sourceOffset, SystemFile& target, uint64_t targetOffset,
                  uint64_t length, const CopyBlockFn& onBlock, SourceCache sourceCache)
{
    uint64_t copied = 0;
    adviseSequential(source, sourceOffset, length);
    // In the kernel first (platform::NativeFile::copyTo: copy_file_range on Linux; elsewhere it declines at once).
    while (copied < length) {
        if (target.hooks() != nullptr) {
            if (const int err = target.hooks()->fault(IoOperation::Copy))
                return systemError(target.path(), QStringLiteral("write"), err);
        }
        const int64_t done = source.native().copyTo(sourceOffset + copied, target.native(), targetOffset + copied,
                                                    std::min(length - copied, kKernelBlock));
        if (done < 0 && platform::isUnsupported(static_cast<int>(-done)))
            break;
        if (done < 0)
            return systemError(target.path(), QStringLiteral("write"), static_cast<int>(-done));
        if (done == 0)
            break; // some file systems report 0 instead of an error: let the portable loop decide
        startWriteback(target, targetOffset + copied, static_cast<uint64_t>(done));
        releaseSource(source, sourceOffset + copied, static_cast<uint64_t>(done), sourceCache);
        copied += static_cast<uint64_t>(done);
        if (onBlock && !onBlock(copied))
            return stopped(target);
    }
    if (copied == length)
        return Ok{};
    const uint64_t bufferSize = std::min(length - copied, kBufferBlock);
    const std::unique_ptr<char[]> buffer(new char[bufferSize]);
    while (copied < length) {
        const uint64_t chunk = std::min(length - copied, bufferSize);
        if (Status read = source.readAt(buffer.get(), chunk, sourceOffset + copied); !read)
            return read;
        if (Status written = target.writeAt(buffer.get(), chunk, targetOffset + copied); !written)
            return written;
        startWriteback(target, targetOffset + copied, chunk);
        releaseSource(source, sourceOffset + copied, chunk, sourceCache);
        copied += chunk;
        if (onBlock && !onBlock(copied))
            return stopped(target);
    }
    return Ok{};
}

} // namespace safescope
