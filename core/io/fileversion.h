#pragma once

#include "core/format/error.h"
#include "core/platform/filestatus.h"
#include "core/platform/nativehandle.h"

#include <QString>

#include <cstdint>

namespace safescope {

/// One version of a file on disk: which file (device, inode) and which state of it (size, modification and change
/// times). Recorded when a file is opened and compared after its tensor bytes were read, because another program
/// may overwrite the bytes in place (same size, `dd conv=notrunc`): the mapping then mixes two versions, and only
/// the times tell. The change time catches a writer that put the modification time back.
struct FileVersion
{
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t modifiedNs = 0;
    int64_t changedNs = 0;

    static FileVersion of(const platform::FileStatus& status);
    bool operator==(const FileVersion& other) const;
    bool operator!=(const FileVersion& other) const { return !(*this == other); }
};

/// Ok when the file open as `handle` (named `path`) is still the version `recorded`, and `path` still names it;
/// otherwise ErrorKind::FileChanged naming the file: whatever was read from it since must be discarded.
Status verifyVersion(const QString& path, platform::NativeHandle handle, const FileVersion& recorded);

} // namespace safescope
