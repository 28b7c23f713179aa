#include "core/io/fileversion.h"

#include "core/io/localpath.h"

namespace safescope {

namespace {

Error changedError(const QString& path, const QString& how)
{
    return makeError(
        ErrorKind::FileChanged,
        QStringLiteral("'%1' changed on disk while it was being read (%2); the results were discarded").arg(path, how),
        path);
}

} // namespace

FileVersion FileVersion::of(const platform::FileStatus& status)
{
    FileVersion identity;
    identity.device = status.device;
    identity.inode = status.inode;
    identity.size = static_cast<int64_t>(status.size);
    identity.modifiedNs = status.modifiedNs;
    identity.changedNs = status.changedNs;
    return identity;
}

bool FileVersion::operator==(const FileVersion& other) const
{
    return device == other.device && inode == other.inode && size == other.size && modifiedNs == other.modifiedNs &&
           changedNs == other.changedNs;
}

Status verifyVersion(const QString& path, platform::NativeHandle handle, const FileVersion& recorded)
{
    // The open file tells whether the bytes we read were rewritten; the path whether the name now means another
    // file (replaced by a rename), which a reader of "the file at PATH" must hear about as well.
    platform::FileStatus now;
    if (handle != platform::kNoHandle && platform::statusOf(handle, now) == 0) {
        const FileVersion current = FileVersion::of(now);
        if (current.size != recorded.size)
            return changedError(
                path, QStringLiteral("its size went from %1 to %2 bytes").arg(recorded.size).arg(current.size));
        if (current != recorded)
            return changedError(path, QStringLiteral("it was modified in place"));
    }
    platform::FileStatus named;
    if (platform::statusOf(encodeLocalPath(path).toStdString(), platform::FollowLinks::Yes, named) != 0)
        return changedError(path, QStringLiteral("it was removed or renamed"));
    if (named.device != recorded.device || named.inode != recorded.inode)
        return changedError(path, QStringLiteral("it was replaced by another file"));
    return Ok{};
}

} // namespace safescope
