#include "core/io/headerlock.h"

#include "core/platform/filelock.h"

#include <QThread>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace safescope {

Result<HeaderLock> HeaderLock::forReading(platform::NativeHandle file, const QString& path, int waitMs)
{
    return acquire(file, path, false, waitMs);
}

Result<HeaderLock> HeaderLock::forWriting(platform::NativeHandle file, const QString& path, int waitMs)
{
    return acquire(file, path, true, waitMs);
}

Result<HeaderLock> HeaderLock::acquire(platform::NativeHandle file, const QString& path, bool exclusive, int waitMs)
{
    // Polling with a non-blocking request, as the save lock does: a program that hangs holding the lock must not
    // hang its readers. Header writes take microseconds, so the first retries come quickly.
    int waitedMs = 0;
    int pauseMs = 1;
    const platform::LockMode mode = exclusive ? platform::LockMode::Exclusive : platform::LockMode::Shared;
    while (const int err = platform::tryLock(file, platform::LockSlot::Header, mode)) {
        if (err != EWOULDBLOCK)
            return HeaderLock(); // no byte-range locks here (ENOLCK, EINVAL, EOPNOTSUPP): go on unlocked
        if (waitedMs >= waitMs)
            return makeError(ErrorKind::IoError,
                             exclusive ? QStringLiteral("'%1' is being read by another program that does not let go "
                                                        "(waited %2 s); nothing was saved")
                                             .arg(path)
                                             .arg(waitMs / 1000)
                                       : QStringLiteral("the header of '%1' is being written by another program "
                                                        "(waited %2 s); open it again when that program is done")
                                             .arg(path)
                                             .arg(waitMs / 1000),
                             path);
        QThread::msleep(static_cast<unsigned long>(pauseMs));
        waitedMs += pauseMs;
        pauseMs = std::min(pauseMs * 2, 20);
    }
    return HeaderLock(file);
}

HeaderLock::~HeaderLock()
{
    release();
}

HeaderLock::HeaderLock(HeaderLock&& other) noexcept : m_file(std::exchange(other.m_file, platform::kNoHandle)) {}

HeaderLock& HeaderLock::operator=(HeaderLock&& other) noexcept
{
    if (this != &other) {
        release();
        m_file = std::exchange(other.m_file, platform::kNoHandle);
    }
    return *this;
}

void HeaderLock::release()
{
    if (m_file != platform::kNoHandle)
        platform::unlock(std::exchange(m_file, platform::kNoHandle), platform::LockSlot::Header);
}

} // namespace safescope
