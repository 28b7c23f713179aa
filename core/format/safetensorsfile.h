#pragma once

#include "core/format/error.h"
#include "core/io/fileidentity.h"
#include "core/format/header.h"
#include "core/format/headerparser.h"
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

    const QString& path() const { return m_map->path(); }
    const Header& header() const { return m_header; }
    const MappedFile& mapping() const { return *m_map; }
    /// Which bytes the header was parsed from (stat and header hash, taken together under the header lock): what a
    /// save of this file must find on disk, or another program changed it since (see MetadataSaveOptions).
    const FileIdentity& identity() const { return m_identity; }
    /// FileChanged when the file changed on disk since it was opened (see MappedFile::verifyUnchanged()).
    Status verifyUnchanged() const { return m_map->verifyUnchanged(); }

    /// First byte of a tensor's data inside the mapping (unaligned in general).
    const unsigned char* tensorData(const TensorInfo& tensor) const
    {
        return m_map->data() + m_header.dataStart + tensor.begin;
    }
    /// Absolute file offset of a tensor's first byte.
    uint64_t absoluteOffset(const TensorInfo& tensor) const { return m_header.dataStart + tensor.begin; }

private:
    SafetensorsFile(std::shared_ptr<const MappedFile> map, Header header, const FileIdentity& identity);

    std::shared_ptr<const MappedFile> m_map;
    Header m_header;
    FileIdentity m_identity;
};

/// The largest power of two (up to 4096) dividing an absolute file offset: what a reader can assume of alignment.
uint64_t offsetAlignment(uint64_t offset);

} // namespace safescope
