#include "core/io/regularfile.h"

#include "core/io/localpath.h"
#include "core/platform/systemerror.h"

#include <cerrno>

namespace safescope {

std::optional<QString> nonRegularKind(platform::FileKind kind)
{
    switch (kind) {
    case platform::FileKind::Regular:
        return std::nullopt;
    case platform::FileKind::Fifo:
        return QStringLiteral("a FIFO");
    case platform::FileKind::Socket:
        return QStringLiteral("a socket");
    case platform::FileKind::CharDevice:
        return QStringLiteral("a character device");
    case platform::FileKind::BlockDevice:
        return QStringLiteral("a block device");
    case platform::FileKind::Folder:
        return QStringLiteral("a folder");
    case platform::FileKind::Link:
    case platform::FileKind::Other:
        break;
    }
    return QStringLiteral("not a regular file");
}

Status requireRegularFile(const QString& path, const platform::FileStatus& status)
{
    const std::optional<QString> kind = nonRegularKind(status.kind);
    if (!kind)
        return Ok{};
    return makeError(ErrorKind::IoError, QStringLiteral("'%1' is %2, not a file").arg(path, *kind), path);
}

Result<platform::NativeFile> openRegularFile(const QString& path, unsigned flags, unsigned permissions)
{
    const std::string name = encodeLocalPath(path).toStdString();
    // NonBlocking makes the open of a FIFO return at once instead of waiting for a writer; on a regular file it
    // changes nothing. A socket cannot be opened at all (ENXIO), nor a FIFO for writing without a reader, nor a
    // folder for writing (EISDIR): say what they are.
    platform::NativeFile file;
    if (const int err = platform::NativeFile::open(name, flags | platform::NonBlocking, permissions, file)) {
        platform::FileStatus status;
        if ((err == ENXIO || err == EWOULDBLOCK || err == EISDIR) &&
            platform::statusOf(name, platform::FollowLinks::Yes, status) == 0 &&
            status.kind != platform::FileKind::Regular)
            return requireRegularFile(path, status).error();
        const bool writes = (flags & (platform::WriteOnly | platform::ReadWrite | platform::Create)) != 0;
        return makeError(ErrorKind::IoError,
                         QStringLiteral("cannot %1 '%2': %3")
                             .arg(writes ? QStringLiteral("open for writing") : QStringLiteral("open"), path,
                                  QString::fromLocal8Bit(platform::errorText(err))),
                         path);
    }
    platform::FileStatus status;
    if (const int err = file.status(status))
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot inspect '%1': %2").arg(path, QString::fromLocal8Bit(platform::errorText(err))),
            path);
    if (Status regular = requireRegularFile(path, status); !regular)
        return regular.error();
    if ((flags & platform::NonBlocking) == 0)
        file.clearNonBlocking();
    return file;
}

} // namespace safescope
