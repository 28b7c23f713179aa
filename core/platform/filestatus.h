#pragma once

#include "core/platform/nativehandle.h"

#include <cstdint>
#include <string>

namespace safescope::platform {

enum class FileKind
{
    Regular,
    Folder,
    Link,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Other
};

/// What stat(2) / GetFileInformationByHandle tell about a file, reduced to what SafeScope uses. `device` and `inode`
/// name the file (on Windows the volume serial number and the 64-bit file index); the times are nanoseconds since
/// the Unix epoch (Windows has no change time of the inode: the last write time stands in for it).
struct FileStatus
{
    FileKind kind = FileKind::Other;
    uint64_t size = 0;
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t modifiedNs = 0;
    int64_t changedNs = 0;
    uint32_t permissions = 0; ///< the 07777 bits (Windows: 0666, or 0444 when read-only)

    bool sameFileAs(const FileStatus& other) const { return device == other.device && inode == other.inode; }
};

enum class FollowLinks
{
    Yes,
    No
};

/// stat / lstat of `path` (bytes as the system spells them: see nativepath.h). 0 or an errno value.
int statusOf(const std::string& path, FollowLinks follow, FileStatus& status);
/// fstat of an open file.
int statusOf(NativeHandle handle, FileStatus& status);

} // namespace safescope::platform
