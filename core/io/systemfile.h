#pragma once

#include "core/edit/savehooks.h"
#include "core/format/error.h"
#include "core/platform/filestatus.h"
#include "core/platform/nativefile.h"

#include <QString>

#include <cstdint>

namespace safescope {

/// An owned open file for the save paths, which need what QFile does not offer: writes at an offset, durable
/// flushes, kernel copies and errno-exact failures. Every error names the file and the system's reason. Each
/// mutating call consults the hooks' fault seam first, so tests can fail it with ENOSPC or EACCES. The system calls
/// themselves are platform::NativeFile's.
class SystemFile final
{
public:
    SystemFile() = default;
    SystemFile(SystemFile&& other) noexcept = default;
    SystemFile& operator=(SystemFile&& other) noexcept = default;
    SystemFile(const SystemFile&) = delete;
    SystemFile& operator=(const SystemFile&) = delete;

    /// Opens `path` with platform::OpenFlag `flags`; anything but a regular file (FIFO, socket, device, folder) is
    /// refused at once with an IoError saying what it is; `hooks` (may be null) must outlive the object. With
    /// platform::Create, the Create fault seam is consulted and `permissions` apply to a new file.
    static Result<SystemFile> open(const QString& path, unsigned flags, const SaveHooks* hooks = nullptr,
                                   unsigned permissions = 0600);
    /// A new, empty file named ".<target name>.safescope-XXXXXX.tmp" in the target's folder (same file system,
    /// so a rename over the target is atomic), created with `permissions`.
    static Result<SystemFile> createTempBeside(const QString& targetPath, unsigned permissions, const SaveHooks* hooks);

    bool isOpen() const { return m_file.isOpen(); }
    platform::NativeHandle handle() const { return m_file.handle(); }
    const platform::NativeFile& native() const { return m_file; }
    platform::NativeFile& native() { return m_file; }
    const QString& path() const { return m_path; }
    const SaveHooks* hooks() const { return m_hooks; }

    Result<platform::FileStatus> status() const;
    Status readAt(void* buffer, uint64_t size, uint64_t offset) const;
    Status writeAt(const void* buffer, uint64_t size, uint64_t offset);
    /// Reserves the blocks of the file's first `size` bytes (keeping the size), for a new file about to be filled
    /// with a known number of bytes: the file system allocates it in one go instead of a piece at a time as
    /// writeback reaches it, and a full disk is reported before a byte is copied. The size still grows only as
    /// bytes are written, so a file left short by a bug fails validation instead of passing with a hole. A file
    /// system that cannot reserve is not an error.
    Status preallocate(uint64_t size);
    /// The bytes and the metadata, durably (fsync).
    Status sync();
    /// The bytes only: enough when only bytes inside the file changed (an in-place header), and cheaper than sync()
    /// because the inode (mtime) need not reach the journal.
    Status syncData();
    /// Closes now and reports close errors (NFS reports write failures there).
    Status close();

private:
    platform::NativeFile m_file;
    QString m_path;
    const SaveHooks* m_hooks = nullptr;
};

/// "cannot ACTION 'PATH': the system's words for err" as an IoError.
Error systemError(const QString& path, const QString& action, int err);
/// Reads exactly `size` bytes at `offset` of an open file: FileChanged (naming the offset) when the file ends first,
/// the system's error otherwise. SystemFile::readAt and MappedFile::readInto both read through it.
Status readExactly(const platform::NativeFile& file, const QString& path, void* buffer, uint64_t size, uint64_t offset);
/// Durable flush of a folder, so that a create, rename or unlink inside it survives a power cut.
Status syncDirectory(const QString& folder, const SaveHooks* hooks = nullptr);
/// Atomically replaces `to` by `from`.
Status renameFile(const QString& from, const QString& to, const SaveHooks* hooks = nullptr);
Status removeFile(const QString& path, const SaveHooks* hooks = nullptr);
/// mkdir -p by the bytes of the name (QDir::mkpath would turn a name that is not UTF-8 into U+FFFD).
Status makeFolders(const QString& folder);
/// The folder holding `path` (absolute).
QString folderOf(const QString& path);

} // namespace safescope
