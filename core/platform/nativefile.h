#pragma once

#include "core/platform/filestatus.h"
#include "core/platform/nativehandle.h"

#include <cstdint>
#include <string>

namespace safescope::platform {

/// How a file is opened; combine with |.
enum OpenFlag : unsigned
{
    ReadOnly = 0,
    WriteOnly = 1u << 0,
    ReadWrite = 1u << 1,
    Create = 1u << 2,
    Exclusive = 1u << 3, ///< with Create: fail with EEXIST when the name exists
    Truncate = 1u << 4,
    NonBlocking = 1u << 5, ///< POSIX: do not wait for a FIFO's writer; meaningless on Windows
};

/// Advice about how a range of a file will be read (posix_fadvise; ignored where the system has no such call).
enum class FileAdvice
{
    Sequential,
    DontNeed
};

/// An owned open file: the one place that opens, reads, writes, flushes and closes files. Windows files are opened
/// with every share mode (read, write, delete), so that, as on POSIX, another program may read, rewrite or rename
/// over a file SafeScope holds open.
class NativeFile final
{
public:
    NativeFile() = default;
    ~NativeFile();
    NativeFile(NativeFile&& other) noexcept;
    NativeFile& operator=(NativeFile&& other) noexcept;
    NativeFile(const NativeFile&) = delete;
    NativeFile& operator=(const NativeFile&) = delete;

    /// Opens `path` (close-on-exec). `permissions` applies when the file is created. 0 or an errno value; EISDIR for
    /// a folder on both systems.
    static int open(const std::string& path, unsigned flags, unsigned permissions, NativeFile& file);
    /// Creates a new file from `pattern`, whose name ends in "XXXXXX" followed by `suffixLength` bytes; the X are
    /// replaced by random characters until the name is new. `pattern` receives the name made.
    static int createUnique(std::string& pattern, int suffixLength, unsigned permissions, NativeFile& file);

    bool isOpen() const { return m_handle != kNoHandle; }
    NativeHandle handle() const { return m_handle; }
    /// Gives up ownership: the caller closes the handle (or hands it to another owner).
    NativeHandle release();

    int status(FileStatus& status) const;
    /// Makes the file blocking again after NonBlocking opened it.
    void clearNonBlocking();
    int setPermissions(unsigned permissions);
    /// Reads up to `size` bytes at `offset` without moving a file position: the count read (0 at the end of the
    /// file) or -errno. EINTR is retried inside.
    int64_t readAt(void* buffer, uint64_t size, uint64_t offset) const;
    int64_t writeAt(const void* buffer, uint64_t size, uint64_t offset);
    /// Reserves the blocks of the first `size` bytes without changing the size (fallocate KEEP_SIZE, macOS
    /// F_PREALLOCATE, Windows FileAllocationInfo). A file system that cannot is not an error: 0.
    int preallocate(uint64_t size);
    /// Durable flush of the bytes (fdatasync; macOS F_FULLFSYNC, since its fsync leaves them in the drive's cache;
    /// Windows FlushFileBuffers).
    int syncData();
    /// Durable flush of the bytes and the file's metadata (fsync; same as syncData() on macOS and Windows).
    int syncAll();
    /// Starts writing [offset, offset + length) to the disk without waiting (Linux sync_file_range; no-op elsewhere).
    void startWriteback(uint64_t offset, uint64_t length);
    void advise(uint64_t offset, uint64_t length, FileAdvice advice) const;
    /// Copies in the kernel (Linux copy_file_range): the count copied, or -errno. -ENOSYS where the system has no
    /// ranged copy (macOS fcopyfile and Windows CopyFile2 copy whole files only): the caller copies through a buffer.
    int64_t copyTo(uint64_t offset, NativeFile& target, uint64_t targetOffset, uint64_t length) const;
    /// Closes now; 0 or the errno close reported (NFS reports write failures there).
    int close();

private:
    NativeHandle m_handle = kNoHandle;
};

/// Whether an error of copyTo() means "the kernel or file system pair cannot do this" rather than "the copy failed".
bool isUnsupported(int code);

} // namespace safescope::platform
