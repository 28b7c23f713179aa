#pragma once

#include "core/format/error.h"
#include "core/format/header.h"
#include "core/io/systemfile.h"

#include <QByteArray>
#include <QString>

namespace safescope {

/// A file's header read through a descriptor (pread, no mapping) and strictly validated: the exact bytes a save
/// starts from, and the check after a save. Mapping a 1 GiB file only to read its header costs more in page-table
/// setup, TLB shootdown and munmap than an in-place header write takes altogether, so saves read this way.
class HeaderSnapshot final
{
public:
    /// Reads the first 8 + N bytes of the open `file` and validates them (strict) against its current size.
    static Result<HeaderSnapshot> read(const SystemFile& file);
    /// Opens `path` anew and reads it as above: the re-open after a save. When `expected` is given, a different
    /// file now at `path` (another device or inode: replaced during the save) is a FileChanged error.
    static Result<HeaderSnapshot> reopen(const QString& path, const platform::FileStatus* expected = nullptr);

    const QString& path() const { return m_path; }
    const Header& header() const { return m_header; }
    const QByteArray& bytes() const { return m_bytes; } ///< the file's first 8 + N bytes, exactly
    const platform::FileStatus& identity() const { return m_identity; }

private:
    QString m_path;
    Header m_header;
    QByteArray m_bytes;
    platform::FileStatus m_identity;
};

} // namespace safescope
