#pragma once

#include <QString>

#include <cstdint>

struct stat;

namespace safescope {

/// Which file is at a path and in what state: device, inode, size and modification time. Two reads that agree mean
/// no one replaced or rewrote the file in between (a same-size in-place write changes the mtime).
/// Stands in for core's FileIdentity (branch `save`) until it lands: Document compares identities through
/// sameAs() alone, so switching over is one include and one type.
struct DiskIdentity
{
    bool exists = false;
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtimeNs = 0;

    /// stat() of `path` (through encodeLocalPath, so any file name works); exists is false when it cannot be read.
    static DiskIdentity read(const QString& path);
    /// The identity an fstat() of an open descriptor gave (HeaderSnapshot::identity()).
    static DiskIdentity fromStat(const struct stat& info);
    bool sameAs(const DiskIdentity& other) const;
};

} // namespace safescope
