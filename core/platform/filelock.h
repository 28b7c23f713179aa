#pragma once

#include "core/platform/nativehandle.h"

namespace safescope::platform {

/// Which of SafeScope's two advisory locks: the header lock (held for the microseconds a header write takes; see
/// core/io/headerlock.h) and the save lock (held for a whole save; core/edit/savelock.h). They never conflict with
/// each other. POSIX: the header lock is an open-file-description lock on bytes 0-7 (classic fcntl locks where
/// there are none), the save lock a flock(2). Windows locks are mandatory, so both lock bytes far beyond any real
/// data (2^62 and 2^62 + 16) with LockFileEx: readers and writers of the file itself are never blocked.
enum class LockSlot
{
    Header,
    Save
};
enum class LockMode
{
    Shared,
    Exclusive
};

/// Tries to take the lock without waiting: 0; EWOULDBLOCK when another holder conflicts; ENOLCK when the file system
/// has no such locks (the caller goes on unlocked); another errno value on failure.
int tryLock(NativeHandle handle, LockSlot slot, LockMode mode);
/// Takes the lock, waiting as long as it takes (hash cache updates only: short critical sections).
int lockWaiting(NativeHandle handle, LockSlot slot, LockMode mode);
void unlock(NativeHandle handle, LockSlot slot);

} // namespace safescope::platform
