#include "core/io/blockcopy.h"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace safescope {

namespace {

constexpr uint64_t kKernelBlock = uint64_t{64} << 20;
constexpr uint64_t kBufferBlock = uint64_t{8} << 20;

Error stopped(const PosixFile& target)
{
    return makeError(ErrorKind::Cancelled, QStringLiteral("writing '%1' was cancelled").arg(target.path()),
                     target.path());
}

// Starts writing a block just copied to the disk, without waiting for it. Every caller syncs the target when it is
// complete; left alone, the kernel would begin writeback only then (or after 30 s), so the copy into the page cache
// and the disk writes would run one after the other. Started per block, they overlap, and the final fsync finds
// little left to do. Advice only: a failure here (say, a file system without it) surfaces at that fsync.
void startWriteback(const PosixFile& target, uint64_t offset, uint64_t length)
{
#ifdef __linux__
    (void)::sync_file_range(target.fd(), static_cast<off64_t>(offset), static_cast<off64_t>(length),
                            SYNC_FILE_RANGE_WRITE);
#else
    (void)target;
    (void)offset;
    (void)length;
#endif
}

// Advice only, as above: pages still mapped by a reader (the viewer's mapping of the original) are not dropped.
void releaseSource(const PosixFile& source, uint64_t offset, uint64_t length, SourceCache sourceCache)
{
#ifdef POSIX_FADV_DONTNEED // not on macOS
    if (sourceCache == SourceCache::Release)
        (void)::posix_fadvise(source.fd(), static_cast<off_t>(offset), static_cast<off_t>(length), POSIX_FADV_DONTNEED);
#else
    (void)source;
    (void)offset;
    (void)length;
    (void)sourceCache;
#endif
}

// As cp does: a source read front to back gets a larger readahead window when it is not cached yet.
void adviseSequential(const PosixFile& source, uint64_t offset, uint64_t length)
{
#ifdef POSIX_FADV_SEQUENTIAL
    (void)::posix_fadvise(source.fd(), static_cast<off_t>(offset), static_cast<off_t>(length), POSIX_FADV_SEQUENTIAL);
#else
    (void)source;
    (void)offset;
    (void)length;
#endif
}

// Errors that mean "this kernel or file system pair cannot do it", not "the copy failed".
bool kernelCopyUnsupported(int err)
{
    return err == EXDEV || err == ENOSYS || err == EOPNOTSUPP || err == EINVAL || err == EBADF || err == EPERM ||
           err == ETXTBSY;
}

} // namespace

Status copyBlocks(const PosixFile& source, uint64_t sourceOffset, PosixFile& target, uint64_t targetOffset,
                  uint64_t length, const CopyBlockFn& onBlock, SourceCache sourceCache)
{
    uint64_t copied = 0;
    adviseSequential(source, sourceOffset, length);
#ifdef __linux__
    while (copied < length) {
        if (target.hooks() != nullptr) {
            if (const int err = target.hooks()->fault(IoOperation::Copy))
                return systemError(target.path(), QStringLiteral("write"), err);
        }
        auto in = static_cast<loff_t>(sourceOffset + copied);
        auto out = static_cast<loff_t>(targetOffset + copied);
        const ssize_t done =
            ::copy_file_range(source.fd(), &in, target.fd(), &out, std::min(length - copied, kKernelBlock), 0);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0 && kernelCopyUnsupported(errno))
            break;
        if (done < 0)
            return systemError(target.path(), QStringLiteral("write"), errno);
        if (done == 0)
            break; // some file systems report 0 instead of an error: let the portable loop decide
        startWriteback(target, targetOffset + copied, static_cast<uint64_t>(done));
        releaseSource(source, sourceOffset + copied, static_cast<uint64_t>(done), sourceCache);
        copied += static_cast<uint64_t>(done);
        if (onBlock && !onBlock(copied))
            return stopped(target);
    }
#endif
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
