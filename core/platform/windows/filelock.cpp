#include "core/platform/filelock.h"

#include "core/platform/windows/widepath.h"

#include <cerrno>
#include <windows.h>

namespace safescope::platform {

namespace {

// Windows byte-range locks are mandatory: a locked range cannot be read or written through other handles. The
// slots therefore lock bytes no file of SafeScope's ever holds (far past the end; locking beyond the end of a file
// is allowed), which keeps them advisory, as on POSIX. SQLite does the same with its lock bytes.
constexpr uint64_t kLockArea = uint64_t{1} << 62;

struct Range
{
    uint64_t offset;
    DWORD length;
};

Range rangeOf(LockSlot slot)
{
    return slot == LockSlot::Header ? Range{kLockArea, 8} : Range{kLockArea + 16, 1};
}

OVERLAPPED at(uint64_t offset)
{
    OVERLAPPED overlapped = {};
    overlapped.Offset = static_cast<DWORD>(offset);
    overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
    return overlapped;
}

int take(NativeHandle handle, LockSlot slot, LockMode mode, bool wait)
{
    const Range range = rangeOf(slot);
    OVERLAPPED overlapped = at(range.offset);
    DWORD flags = mode == LockMode::Exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0;
    if (!wait)
        flags |= LOCKFILE_FAIL_IMMEDIATELY;
    if (::LockFileEx(reinterpret_cast<HANDLE>(handle), flags, 0, range.length, 0, &overlapped))
        return 0;
    const DWORD error = ::GetLastError();
    if (error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING)
        return EWOULDBLOCK;
    if (error == ERROR_NOT_SUPPORTED || error == ERROR_INVALID_FUNCTION)
        return ENOLCK;
    return errnoFromWin32(error);
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
    const Range range = rangeOf(slot);
    OVERLAPPED overlapped = at(range.offset);
    (void)::UnlockFileEx(reinterpret_cast<HANDLE>(handle), 0, range.length, 0, &overlapped);
}

} // namespace safescope::platform
