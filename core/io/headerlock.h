#pragma once

#include "core/format/error.h"
#include "core/platform/nativehandle.h"

#include <QString>

namespace safescope {

/// A byte-range lock on a file's 8-byte length field, the one place every reader starts: the in-place header
/// writer holds it exclusively while its header bytes change, every header reader (the viewer, the CLI, the
/// identity and snapshot reads) holds it shared while it reads them. A reader therefore sees the header wholly
/// before or wholly after a save, never half of each, which a header spanning pages otherwise can show.
///
/// It is not the save lock (savelock.h): that one is held for a whole save, a rewrite copy included, and readers
/// must not wait for that; this one is held for the microseconds a header write takes. The lock itself is
/// platform::LockSlot::Header (open-file-description locks on POSIX, so a lock belongs to the open file that took
/// it and closing another descriptor of the same file in the process does not drop it; LockFileEx on Windows).
/// A file system without byte-range locks (some network mounts) reads and writes unlocked, as before.
class HeaderLock final
{
public:
    /// Waits for an in-place header write to finish (up to `waitMs`), then holds a shared lock on the open file.
    static Result<HeaderLock> forReading(platform::NativeHandle file, const QString& path, int waitMs = 10'000);
    /// Waits for the header readers of the moment (up to `waitMs`), then holds an exclusive lock on the open file.
    static Result<HeaderLock> forWriting(platform::NativeHandle file, const QString& path, int waitMs = 10'000);

    HeaderLock() = default;
    ~HeaderLock();
    HeaderLock(HeaderLock&& other) noexcept;
    HeaderLock& operator=(HeaderLock&& other) noexcept;
    HeaderLock(const HeaderLock&) = delete;
    HeaderLock& operator=(const HeaderLock&) = delete;

    /// Gives the lock back before the destructor would (the descriptor stays open).
    void release();
    /// Whether a lock is held (false on a file system without byte-range locks).
    bool held() const { return m_file != platform::kNoHandle; }

private:
    static Result<HeaderLock> acquire(platform::NativeHandle file, const QString& path, bool exclusive, int waitMs);
    explicit HeaderLock(platform::NativeHandle file) : m_file(file) {}

    platform::NativeHandle m_file = platform::kNoHandle;
};

} // namespace safescope
