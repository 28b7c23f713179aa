#pragma once

#include "core/format/error.h"
#include "core/platform/filestatus.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>

namespace safescope {

/// Which bytes a reader saw: the file (device and inode), its size and modification time, and a hash of its header
/// bytes (the 8-byte length field and the N header bytes). A save given the identity it read refuses when the file
/// on disk no longer matches it, so an edit made in one program never silently overwrites a change made by another
/// (a lost update). mtime alone is not enough: a same-size in-place edit within the file system's timestamp
/// granularity keeps it; the header hash catches that.
struct FileIdentity
{
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtimeNs = 0;      ///< modification time, nanoseconds since the epoch
    uint64_t headerBytes = 0; ///< how many bytes the hash covers (8 + N, cut at the end of the file)
    uint64_t headerHash = 0; ///< changeDigest() of those bytes (no adversary: a crash or another program, not a forger)

    /// stat of `path` (following links) and a hash of its first 8 + N bytes, N from the length field (an invalid or
    /// over-long length hashes what there is, up to the reader's limit). Refuses what is not a regular file.
    static Result<FileIdentity> read(const QString& path);
    /// The identity of a file already open and read: its status and its first 8 + N bytes.
    static FileIdentity of(const platform::FileStatus& status, const QByteArray& headerBytes);
    static FileIdentity of(const platform::FileStatus& status, const void* headerBytes, size_t length);

    bool sameAs(const FileIdentity& other) const;
    /// What differs from `now`, in words for a message ("its size changed from 1,024 to 2,048 bytes").
    QString differenceTo(const FileIdentity& now) const;
};

} // namespace safescope
