#include "core/platform/filestatus.h"

#include <cerrno>
#include <sys/stat.h>

namespace safescope::platform {

namespace {

FileKind kindOf(mode_t mode)
{
    if (S_ISREG(mode))
        return FileKind::Regular;
    if (S_ISDIR(mode))
        return FileKind::Folder;
    if (S_ISLNK(mode))
        return FileKind::Link;
    if (S_ISFIFO(mode))
        return FileKind::Fifo;
    if (S_ISSOCK(mode))
        return FileKind::Socket;
    if (S_ISCHR(mode))
        return FileKind::CharDevice;
    if (S_ISBLK(mode))
        return FileKind::BlockDevice;
    return FileKind::Other;
}

int64_t nanoseconds(const timespec& time)
{
    return static_cast<int64_t>(time.tv_sec) * 1000000000 + static_cast<int64_t>(time.tv_nsec);
}

void convert(const struct stat& info, FileStatus& status)
{
    status.kind = kindOf(info.st_mode);
    status.size = static_cast<uint64_t>(info.st_size);
    status.device = static_cast<uint64_t>(info.st_dev);
    status.inode = static_cast<uint64_t>(info.st_ino);
#ifdef __APPLE__
    status.modifiedNs = nanoseconds(info.st_mtimespec);
    status.changedNs = nanoseconds(info.st_ctimespec);
#else
    status.modifiedNs = nanoseconds(info.st_mtim);
    status.changedNs = nanoseconds(info.st_ctim);
#endif
    status.permissions = static_cast<uint32_t>(info.st_mode & 07777);
}

} // namespace

int statusOf(const std::string& path, FollowLinks follow, FileStatus& status)
{
    struct stat info = {};
    const int result = follow == FollowLinks::Yes ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info);
    if (result != 0)
        return errno;
    convert(info, status);
    return 0;
}

int statusOf(NativeHandle handle, FileStatus& status)
{
    struct stat info = {};
    if (::fstat(static_cast<int>(handle), &info) != 0)
        return errno;
    convert(info, status);
    return 0;
}

} // namespace safescope::platform
