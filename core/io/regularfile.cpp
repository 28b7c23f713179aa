#include "core/io/regularfile.h"

#include "core/io/localpath.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace safescope {

std::optional<QString> nonRegularKind(mode_t mode)
{
    if (S_ISREG(mode))
        return std::nullopt;
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    if (S_ISCHR(mode))
        return QStringLiteral("a character device");
    if (S_ISBLK(mode))
        return QStringLiteral("a block device");
    if (S_ISDIR(mode))
        return QStringLiteral("a folder");
    return QStringLiteral("not a regular file");
}

Status requireRegularFile(const QString& path, const struct stat& info)
{
    const std::optional<QString> kind = nonRegularKind(info.st_mode);
    if (!kind)
        return Ok{};
    return makeError(ErrorKind::IoError, QStringLiteral("'%1' is %2, not a file").arg(path, *kind), path);
}

Result<int> openRegularFile(const QString& path, int flags, mode_t mode)
{
    const QByteArray name = encodeLocalPath(path);
    // O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer; on a regular file it changes
    // nothing. A socket cannot be opened at all (ENXIO), nor a FIFO for writing without a reader, nor a folder for
    // writing (EISDIR): say what they are.
    const int fd = ::open(name.constData(), flags | O_NONBLOCK | O_CLOEXEC, mode);
    if (fd < 0) {
        const int err = errno;
        struct stat info = {};
        if ((err == ENXIO || err == EWOULDBLOCK || err == EISDIR) && ::stat(name.constData(), &info) == 0 &&
            !S_ISREG(info.st_mode))
            return requireRegularFile(path, info).error();
        const bool writes = (flags & (O_WRONLY | O_RDWR | O_CREAT)) != 0;
        return makeError(ErrorKind::IoError,
                         QStringLiteral("cannot %1 '%2': %3")
                             .arg(writes ? QStringLiteral("open for writing") : QStringLiteral("open"), path,
                                  QString::fromLocal8Bit(std::strerror(err))),
                         path);
    }
    struct stat info = {};
    if (::fstat(fd, &info) != 0) {
        const int err = errno;
        ::close(fd);
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot inspect '%1': %2").arg(path, QString::fromLocal8Bit(std::strerror(err))), path);
    }
    if (Status regular = requireRegularFile(path, info); !regular) {
        ::close(fd);
        return regular.error();
    }
    if ((flags & O_NONBLOCK) == 0)
        (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

} // namespace safescope
