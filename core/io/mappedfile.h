#pragma once

#include "core/format/error.h"
#include "core/io/fileversion.h"
#include "core/platform/filemapping.h"
#include "core/platform/nativefile.h"

#include <QString>

#include <cstdint>
#include <memory>

namespace safescope {

/// A whole file mapped read-only (platform::FileMapping). Mapping reads nothing: pages load when first touched.
class MappedFile final
{
public:
    /// Opens and maps `path`; an empty file is valid and has data() == nullptr. Anything but a regular file (FIFO,
    /// socket, device, folder) is refused at once with an IoError saying what it is.
    static Result<std::shared_ptr<const MappedFile>> open(const QString& path);

    ~MappedFile() = default;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const unsigned char* data() const { return m_data; }
    uint64_t size() const { return m_size; }
    const QString& path() const { return m_path; }
    /// The open file the mapping was made from (open as long as the object lives), for locks and its status.
    platform::NativeHandle handle() const { return m_file.handle(); }

    /// The file's identity (device, inode, size, times) when it was opened.
    const FileVersion& version() const { return m_version; }
    /// FileChanged when the file was modified in place, resized or replaced since it was opened: call it after
    /// reading tensor bytes, since bytes read from a file being rewritten may mix two versions.
    Status verifyUnchanged() const;

    /// The size of the file on disk now; differs from size() when another process truncated or grew it.
    uint64_t currentDiskSize() const;

    /// Drops the whole pages of [offset, offset + length) from this process's resident set; the bytes stay
    /// readable (the next access faults them back in from the page cache). Used once the header has been parsed:
    /// its text is not read again, and a 100 MB header would otherwise stay counted against the viewer.
    void releasePages(uint64_t offset, uint64_t length) const;

    /// Copies [offset, offset + length) of the file into `buffer` with a positioned read, leaving the mapping
    /// untouched: the cheap first read of pages this process has not mapped yet (see ViewReader). FileChanged when the
    /// file no longer holds those bytes (truncated since it was mapped), the system's error when it cannot be read.
    Status readInto(uint64_t offset, uint64_t length, unsigned char* buffer) const;

private:
    MappedFile() = default;

    QString m_path;
    platform::NativeFile m_file;
    platform::FileMapping m_mapping;
    const unsigned char* m_data = nullptr;
    uint64_t m_size = 0;
    FileVersion m_version;
};

} // namespace safescope
