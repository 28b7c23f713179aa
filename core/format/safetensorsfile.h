#pragma once

#include "core/format/error.h"
#include "core/format/header.h"
#include "core/format/headerparser.h"
#include "core/io/bytesource.h"
#include "core/io/fileidentity.h"
#include "core/io/mappedfile.h"

#include <memory>

namespace safescope {

/// One opened .safetensors file: its mapping and its validated header. Immutable and shareable across threads.
class SafetensorsFile final
{
public:
    /// Maps `path` and validates its header; the data region is not read. Errors from files that are really
    /// something else (Git LFS pointer, zip, ...) say so in their message and detectedFormat.
    static Result<std::shared_ptr<const SafetensorsFile>> open(const QString& path, OpenMode mode = OpenMode::Strict);
    /// A file that is not mapped here (a remote file), whose header was read and validated from `source`: its
    /// tensor bytes are read through byteSource(), never through tensorData() (which is null for it).
    static std::shared_ptr<const SafetensorsFile> fromSource(std::shared_ptr<const ByteSource> source, Header header);

    const QString& path() const { return m_path; }
    const Header& header() const { return m_header; }
    /// Whether the file is mapped (local); only then may mapping() be called.
    bool isMapped() const { return m_map != nullptr; }
    const MappedFile& mapping() const { return *m_map; }
    /// The remote source of an unmapped file; null for a local one.
    const ByteSource* byteSource() const { return m_source.get(); }
    /// Which bytes the header was parsed from (stat and header hash, taken together under the header lock): what a
    /// save of this file must find on disk, or another program changed it since (see MetadataSaveOptions).
    const FileIdentity& identity() const { return m_identity; }
    /// FileChanged when the file changed on disk since it was opened (see MappedFile::verifyUnchanged()). A remote
    /// file checks its version on every read instead (RemoteFile), so here it is always Ok.
    Status verifyUnchanged() const { return m_map ? m_map->verifyUnchanged() : Status(Ok{}); }

    /// First byte of a tensor's data inside the mapping (unaligned in general); null for an unmapped file, so that
    /// reading it faults instead of returning bytes that were never fetched.
    const unsigned char* tensorData(const TensorInfo& tensor) const
    {
        return m_map ? m_map->data() + m_header.dataStart + tensor.begin : nullptr;
    }
    /// Absolute file offset of a tensor's first byte.
    uint64_t absoluteOffset(const TensorInfo& tensor) const { return m_header.dataStart + tensor.begin; }

private:
    SafetensorsFile(std::shared_ptr<const MappedFile> map, Header header, const FileIdentity& identity);
    SafetensorsFile(std::shared_ptr<const ByteSource> source, Header header);

    QString m_path;
    std::shared_ptr<const MappedFile> m_map;
    std::shared_ptr<const ByteSource> m_source;
    Header m_header;
    FileIdentity m_identity;
};

/// The largest power of two (up to 4096) dividing an absolute file offset: what a reader can assume of alignment.
uint64_t offsetAlignment(uint64_t offset);

} // namespace safescope
