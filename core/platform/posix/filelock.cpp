#include "core/platform/filelock.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>

namespace safescope::platform {

namespace {

// The range every header lock covers: the length field. Readers and writers agree on it; nothing else locks it.
constexpr off_t kHeaderBytes = 8;

#ifdef F_OFD_SETLK
constexpr int kSetLock = F_OFD_SETLK;
constexpr int kSetLockWaiting = F_OFD_SETLKW;
#else
constexpr int kSetLock = F_SETLK;
constexpr int kSetLockWaiting = F_SETLKW;
#endif

int headerLock(int fd, short type, bool wait)
{
    struct flock range = {};
    range.l_type = type;
    range.l_whence = SEEK_SET;
    range.l_start = 0;
    range.l_len = kHeaderBytes;
    return ::fcntl(fd, wait ? kSetLockWaiting : kSetLock, &range);
}

int take(NativeHandle handle, LockSlot slot, LockMode mode, bool wait)
{
    const int fd = static_cast<int>(handle);
    for (;;) {
        const int result = slot == LockSlot::Header
                               ? headerLock(fd, mode == LockMode::Exclusive ? F_WRLCK : F_RDLCK, wait)
                               : ::flock(fd, (mode == LockMode::Exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB));
        if (result == 0)
            return 0;
        const int err = errno;
        if (err == EINTR)
            continue;
        if (err == EAGAIN || err == EACCES || err == EWOULDBLOCK)
            return EWOULDBLOCK;
        // No locks of this kind on this file system (some network mounts, FUSE).
        if (err == ENOLCK || err == EINVAL || err == EOPNOTSUPP || err == ENOTSUP)
            return ENOLCK;
        return err;
    }
}

} // namespace

int tryLock(NativeHandle handle, LockSlot slot, LockMode mode)
{
    return take(handle, slot, mode, false);
}

int lockWaiting(NativeHandle handle, LockSlot slot, LockMode mode)
{
    return take(handle, slot, mode, true);
}

void unlock(NativeHandle handle, LockSlot slot)
{
    const int fd = static_cast<int>(handle);
    if (slot == LockSlot::Header)
        (void)headerLock(fd, F_UNLCK, false);
    else
        (void)::flock(fd, LOCK_UN);
}

} // namespace safescope::platform
