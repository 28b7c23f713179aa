#include "core/io/fileversion.h"

#include "core/io/localpath.h"

#include <sys/stat.h>

namespace safescope {

namespace {

bool sameTime(const timespec& a, const timespec& b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

Error changedError(const QString& path, const QString& how)
{
    return makeError(
        ErrorKind::FileChanged,
        QStringLiteral("'%1' changed on disk while it was being read (%2); the results were discarded").arg(path, how),
        path);
}

} // namespace

FileVersion FileVersion::of(const struct stat& info)
{
    FileVersion identity;
    identity.device = static_cast<uint64_t>(info.st_dev);
    identity.inode = static_cast<uint64_t>(info.st_ino);
    identity.size = static_cast<int64_t>(info.st_size);
#ifdef __APPLE__
    identity.modified = info.st_mtimespec;
    identity.changed = info.st_ctimespec;
#else
    identity.modified = info.st_mtim;
    identity.changed = info.st_ctim;
#endif
    return identity;
}

bool FileVersion::operator==(const FileVersion& other) const
{
    return device == other.device && inode == other.inode && size == other.size && sameTime(modified, other.modified) &&
           sameTime(changed, other.changed);
}

Status verifyVersion(const QString& path, int fd, const FileVersion& recorded)
{
    // The descriptor tells whether the bytes we read were rewritten; the path whether the name now means another
    // file (replaced by a rename), which a reader of "the file at PATH" must hear about as well.
    struct stat now = {};
    if (fd >= 0 && ::fstat(fd, &now) == 0) {
        const FileVersion current = FileVersion::of(now);
        if (current.size != recorded.size)
            return changedError(
                path, QStringLiteral("its size went from %1 to %2 bytes").arg(recorded.size).arg(current.size));
        if (current != recorded)
            return changedError(path, QStringLiteral("it was modified in place"));
    }
    struct stat named = {};
    if (::stat(encodeLocalPath(path).constData(), &named) != 0)
        return changedError(path, QStringLiteral("it was removed or renamed"));
    if (static_cast<uint64_t>(named.st_dev) != recorded.device || static_cast<uint64_t>(named.st_ino) != recorded.inode)
        return changedError(path, QStringLiteral("it was replaced by another file"));
    return Ok{};
}

} // namespace safescope
