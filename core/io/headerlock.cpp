#include "core/io/headerlock.h"

#include <QThread>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <utility>

namespace safescope {

namespace {

// The range every header lock covers: the length field. Readers and writers agree on it; nothing else locks it.
constexpr off_t kLockedBytes = 8;

#ifdef F_OFD_SETLK
constexpr int kSetLock = F_OFD_SETLK;
#else
constexpr int kSetLock = F_SETLK;
#endif

int setLock(int fd, short type)
{
    struct flock range = {};
    range.l_type = type;
    range.l_whence = SEEK_SET;
    range.l_start = 0;
    range.l_len = kLockedBytes;
    return ::fcntl(fd, kSetLock, &range);
}

} // namespace

Result<HeaderLock> HeaderLock::forReading(int fd, const QString& path, int waitMs)
{
    return acquire(fd, path, false, waitMs);
}

Result<HeaderLock> HeaderLock::forWriting(int fd, const QString& path, int waitMs)
{
    return acquire(fd, path, true, waitMs);
}

Result<HeaderLock> HeaderLock::acquire(int fd, const QString& path, bool exclusive, int waitMs)
{
    // Polling with a non-blocking request, as the save lock does: a program that hangs holding the lock must not
    // hang its readers. Header writes take microseconds, so the first retries come quickly.
    int waitedMs = 0;
    int pauseMs = 1;
    while (setLock(fd, exclusive ? F_WRLCK : F_RDLCK) != 0) {
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EACCES)
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
    return HeaderLock(fd);
}

HeaderLock::~HeaderLock()
{
    release();
}

HeaderLock::HeaderLock(HeaderLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

HeaderLock& HeaderLock::operator=(HeaderLock&& other) noexcept
{
    if (this != &other) {
        release();
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

void HeaderLock::release()
{
    if (m_fd >= 0)
        (void)setLock(std::exchange(m_fd, -1), F_UNLCK);
}

} // namespace safescope
