#include "core/platform/filestatus.h"

#include "core/platform/windows/widepath.h"

#include <windows.h>

namespace safescope::platform {

namespace {

// FILETIME counts 100 ns since 1601-01-01; the seam speaks nanoseconds since 1970-01-01.
constexpr int64_t kEpochDifference100ns = 116444736000000000;

int64_t nanoseconds(const FILETIME& time)
{
    const auto ticks = (static_cast<int64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
    return (ticks - kEpochDifference100ns) * 100;
}

int fill(HANDLE file, bool isLink, FileStatus& status)
{
    BY_HANDLE_FILE_INFORMATION info = {};
    if (!::GetFileInformationByHandle(file, &info))
        return lastError();
    const DWORD type = ::GetFileType(file);
    if (isLink)
        status.kind = FileKind::Link;
    else if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0)
        status.kind = FileKind::Folder;
    else if (type == FILE_TYPE_PIPE)
        status.kind = FileKind::Fifo;
    else if (type == FILE_TYPE_CHAR)
        status.kind = FileKind::CharDevice;
    else
        status.kind = FileKind::Regular;
    status.size = (static_cast<uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
    status.device = info.dwVolumeSerialNumber;
    status.inode = (static_cast<uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
    status.modifiedNs = nanoseconds(info.ftLastWriteTime);
    status.changedNs = status.modifiedNs; // no inode change time on Windows
    status.permissions = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0 ? 0444 : 0666;
    return 0;
}

} // namespace

int statusOf(const std::string& path, FollowLinks follow, FileStatus& status)
{
    const std::wstring wide = widePath(path);
    // Opened for no access at all: that works on files other programs hold exclusively, and on folders with
    // BACKUP_SEMANTICS. OPEN_REPARSE_POINT asks about a symbolic link itself, as lstat does.
    DWORD flags = FILE_FLAG_BACKUP_SEMANTICS;
    if (follow == FollowLinks::No)
        flags |= FILE_FLAG_OPEN_REPARSE_POINT;
    const HANDLE file = ::CreateFileW(wide.c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                      OPEN_EXISTING, flags, nullptr);
    if (file == INVALID_HANDLE_VALUE)
        return lastError();
    bool isLink = false;
    if (follow == FollowLinks::No) {
        FILE_ATTRIBUTE_TAG_INFO tag = {};
        isLink = ::GetFileInformationByHandleEx(file, FileAttributeTagInfo, &tag, sizeof tag) &&
                 (tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0 && tag.ReparseTag == IO_REPARSE_TAG_SYMLINK;
    }
    const int err = fill(file, isLink, status);
    ::CloseHandle(file);
    return err;
}

int statusOf(NativeHandle handle, FileStatus& status)
{
    return fill(reinterpret_cast<HANDLE>(handle), false, status);
}

} // namespace safescope::platform
