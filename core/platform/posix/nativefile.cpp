#include "core/platform/nativefile.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace safescope::platform {

namespace {

// Each call moves at most 1 GiB: Linux caps a single read/write near 2 GiB anyway.
constexpr uint64_t kMaxIo = uint64_t{1} << 30;

int fdOf(NativeHandle handle)
{
    return static_cast<int>(handle);
}

int posixFlags(unsigned flags)
{
    int result = O_CLOEXEC;
    result |= (flags & ReadWrite) != 0 ? O_RDWR : (flags & WriteOnly) != 0 ? O_WRONLY : O_RDONLY;
    if ((flags & Create) != 0)
        result |= O_CREAT;
    if ((flags & Exclusive) != 0)
        result |= O_EXCL;
    if ((flags & Truncate) != 0)
        result |= O_TRUNC;
    if ((flags & NonBlocking) != 0)
        result |= O_NONBLOCK;
    return result;
}

} // namespace

NativeFile::~NativeFile()
{
    (void)close();
}

NativeFile::NativeFile(NativeFile&& other) noexcept : m_handle(std::exchange(other.m_handle, kNoHandle)) {}

NativeFile& NativeFile::operator=(NativeFile&& other) noexcept
{
    if (this != &other) {
        (void)close();
        m_handle = std::exchange(other.m_handle, kNoHandle);
    }
    return *this;
}

int NativeFile::open(const std::string& path, unsigned flags, unsigned permissions, NativeFile& file)
{
    const int fd = ::open(path.c_str(), posixFlags(flags), static_cast<mode_t>(permissions));
    if (fd < 0)
        return errno;
    file = NativeFile();
    file.m_handle = fd;
    return 0;
}

int NativeFile::createUnique(std::string& pattern, int suffixLength, unsigned permissions, NativeFile& file)
{
    const int fd = ::mkostemps(pattern.data(), suffixLength, O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (::fchmod(fd, static_cast<mode_t>(permissions)) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(pattern.c_str());
        return err;
    }
    file = NativeFile();
    file.m_handle = fd;
    return 0;
}

NativeHandle NativeFile::release()
{
    return std::exchange(m_handle, kNoHandle);
}

int NativeFile::status(FileStatus& status) const
{
    return statusOf(m_handle, status);
}

void NativeFile::clearNonBlocking()
{
    const int fd = fdOf(m_handle);
    (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

int NativeFile::setPermissions(unsigned permissions)
{
    return ::fchmod(fdOf(m_handle), static_cast<mode_t>(permissions)) == 0 ? 0 : errno;
}

int64_t NativeFile::readAt(void* buffer, uint64_t size, uint64_t offset) const
{
    for (;;) {
        const ssize_t got = ::pread(fdOf(m_handle), buffer, std::min(size, kMaxIo), static_cast<off_t>(offset));
        if (got >= 0)
            return got;
        if (errno != EINTR)
            return -errno;
    }
}

int64_t NativeFile::writeAt(const void* buffer, uint64_t size, uint64_t offset)
{
    for (;;) {
        const ssize_t put = ::pwrite(fdOf(m_handle), buffer, std::min(size, kMaxIo), static_cast<off_t>(offset));
        if (put >= 0)
            return put;
        if (errno != EINTR)
            return -errno;
    }
}

int NativeFile::preallocate(uint64_t size)
{
    if (size == 0)
        return 0;
#if defined(__linux__)
    int result = 0;
    do {
        result = ::fallocate(fdOf(m_handle), FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(size));
    } while (result != 0 && errno == EINTR);
    // Not offered here (tmpfs of old kernels, FUSE, NFS v3): the writes allocate as they go.
    if (result != 0 && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
        return errno;
#elif defined(__APPLE__)
    // F_PREALLOCATE reserves without changing the size, as KEEP_SIZE does; contiguous first, then any blocks.
    fstore_t store = {F_ALLOCATECONTIG | F_ALLOCATEALL, F_PEOFPOSMODE, 0, static_cast<off_t>(size), 0};
    if (::fcntl(fdOf(m_handle), F_PREALLOCATE, &store) != 0) {
        store.fst_flags = F_ALLOCATEALL;
        if (::fcntl(fdOf(m_handle), F_PREALLOCATE, &store) != 0 && errno != ENOTSUP && errno != EINVAL)
            return errno;
    }
#endif
    return 0;
}

int NativeFile::syncData()
{
#if defined(__APPLE__)
    // macOS fsync only reaches the drive's volatile cache; F_FULLFSYNC reaches the platter (fsync where refused).
    if (::fcntl(fdOf(m_handle), F_FULLFSYNC) == 0)
        return 0;
    return ::fsync(fdOf(m_handle)) == 0 ? 0 : errno;
#else
    return ::fdatasync(fdOf(m_handle)) == 0 ? 0 : errno;
#endif
}

int NativeFile::syncAll()
{
#if defined(__APPLE__)
    return syncData();
#else
    return ::fsync(fdOf(m_handle)) == 0 ? 0 : errno;
#endif
}

void NativeFile::startWriteback(uint64_t offset, uint64_t length)
{
#if defined(__linux__)
    (void)::sync_file_range(fdOf(m_handle), static_cast<off64_t>(offset), static_cast<off64_t>(length),
                            SYNC_FILE_RANGE_WRITE);
#else
    (void)offset;
    (void)length;
#endif
}

void NativeFile::advise(uint64_t offset, uint64_t length, FileAdvice advice) const
{
#if defined(POSIX_FADV_SEQUENTIAL) // not on macOS
    (void)::posix_fadvise(fdOf(m_handle), static_cast<off_t>(offset), static_cast<off_t>(length),
                          advice == FileAdvice::Sequential ? POSIX_FADV_SEQUENTIAL : POSIX_FADV_DONTNEED);
#else
    (void)offset;
    (void)length;
    (void)advice;
#endif
}

int64_t NativeFile::copyTo(uint64_t offset, NativeFile& target, uint64_t targetOffset, uint64_t length) const
{
#if defined(__linux__)
    for (;;) {
        auto in = static_cast<loff_t>(offset);
        auto out = static_cast<loff_t>(targetOffset);
        const ssize_t done = ::copy_file_range(fdOf(m_handle), &in, fdOf(target.m_handle), &out, length, 0);
        if (done >= 0)
            return done;
        if (errno != EINTR)
            return -errno;
    }
#else
    (void)offset;
    (void)target;
    (void)targetOffset;
    (void)length;
    return -ENOSYS;
#endif
}

int NativeFile::close()
{
    if (m_handle == kNoHandle)
        return 0;
    const int fd = fdOf(std::exchange(m_handle, kNoHandle));
    if (::close(fd) != 0 && errno != EINTR)
        return errno;
    return 0;
}

bool isUnsupported(int code)
{
    return code == EXDEV || code == ENOSYS || code == EOPNOTSUPP || code == ENOTSUP || code == EINVAL ||
           code == EBADF || code == EPERM || code == ETXTBSY;
}

} // namespace safescope::platform
