#pragma once

#include "core/format/error.h"
#include "core/edit/savehooks.h"

#include <QString>

#include <cstdint>
#include <sys/stat.h>
#include <sys/types.h>

namespace safescope {

/// An owned POSIX file descriptor for the save paths, which need what QFile does not offer: pwrite at an offset,
/// fsync, copy_file_range and errno-exact failures. Every error names the file and the system's reason. Each
/// mutating call consults the hooks' fault seam first, so tests can fail it with ENOSPC or EACCES.
class PosixFile final
{
public:
    PosixFile() = default;
    ~PosixFile();
    PosixFile(PosixFile&& other) noexcept;
    PosixFile& operator=(PosixFile&& other) noexcept;
    PosixFile(const PosixFile&) = delete;
    PosixFile& operator=(const PosixFile&) = delete;

    /// open(2) with O_CLOEXEC added; anything but a regular file (FIFO, socket, device, folder) is refused at once
    /// with an IoError saying what it is; `hooks` (may be null) must outlive the object. With O_CREAT, the Create
    /// fault seam is consulted.
    static Result<PosixFile> open(const QString& path, int flags, const SaveHooks* hooks = nullptr, mode_t mode = 0600);
    /// A new, empty file named ".<target name>.safescope-XXXXXX.tmp" in the target's folder (same file system,
    /// so rename() over the target is atomic), created with permissions `mode`.
    static Result<PosixFile> createTempBeside(const QString& targetPath, mode_t mode, const SaveHooks* hooks);

    bool isOpen() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    const QString& path() const { return m_path; }
    const SaveHooks* hooks() const { return m_hooks; }

    Result<struct stat> status() const;
    Status readAt(void* buffer, uint64_t size, uint64_t offset) const;
    Status writeAt(const void* buffer, uint64_t size, uint64_t offset);
    /// Reserves the blocks of the file's first `size` bytes (fallocate, keeping the size), for a new file about to
    /// be filled with a known number of bytes: the file system allocates it in one go instead of a piece at a time
    /// as writeback reaches it, and a full disk is reported before a byte is copied. The size still grows only as
    /// bytes are written, so a file left short by a bug fails validation instead of passing with a hole. A file
    /// system without fallocate is not an error.
    Status preallocate(uint64_t size);
    Status sync();
    /// fdatasync: enough when only bytes inside the file changed (an in-place header), and cheaper than fsync
    /// because the inode (mtime) need not reach the journal.
    Status syncData();
    /// Closes now and reports close(2) errors (NFS reports write failures there).
    Status close();

private:
    int m_fd = -1;
    QString m_path;
    const SaveHooks* m_hooks = nullptr;
};

/// "cannot ACTION 'PATH': strerror(err)" as an IoError.
Error systemError(const QString& path, const QString& action, int err);
/// fsync of a folder, so that a create, rename or unlink inside it survives a power cut.
Status syncDirectory(const QString& folder, const SaveHooks* hooks = nullptr);
Status renameFile(const QString& from, const QString& to, const SaveHooks* hooks = nullptr);
Status removeFile(const QString& path, const SaveHooks* hooks = nullptr);
/// mkdir -p by the bytes of the name (QDir::mkpath would turn a name that is not UTF-8 into U+FFFD).
Status makeFolders(const QString& folder);
/// The folder holding `path` (absolute).
QString folderOf(const QString& path);

} // namespace safescope
