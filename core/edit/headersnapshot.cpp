#include "core/edit/headersnapshot.h"

#include "core/format/headerparser.h"
#include "core/io/headerlock.h"

#include <QtEndian>

namespace safescope {

Result<HeaderSnapshot> HeaderSnapshot::read(const SystemFile& file)
{
    HeaderSnapshot snapshot;
    auto lock = HeaderLock::forReading(file.handle(), file.path()); // not half of an in-place write by another program
    if (!lock)
        return lock.error();
    auto info = file.status();
    if (!info)
        return info.error();
    snapshot.m_identity = *info;
    snapshot.m_path = file.path();
    const uint64_t size = info->size;
    // The length field first, then exactly 8 + N bytes: a buffer sized by guess (say 64 KiB) would be mostly
    // fresh pages, and a page fault costs more than the second pread (about 16 us against 2 on a virtual machine).
    QByteArray& bytes = snapshot.m_bytes;
    const uint64_t fieldBytes = std::min<uint64_t>(size, 8);
    bytes.resize(static_cast<qsizetype>(fieldBytes));
    if (Status read = file.readAt(bytes.data(), fieldBytes, 0); !read)
        return read.error();
    // A length the parser refuses anyway (over the limit, or past the end of the file) reads nothing more: the
    // parser names the error from the length field alone, before anything is allocated.
    uint64_t wanted = fieldBytes;
    if (size >= 8) {
        const uint64_t length = qFromLittleEndian<quint64>(bytes.constData());
        if (length <= kMaxHeaderLength && length <= size - 8)
            wanted = 8 + length;
    }
    bytes.resize(static_cast<qsizetype>(wanted));
    if (Status read = file.readAt(bytes.data() + fieldBytes, wanted - fieldBytes, fieldBytes); !read)
        return read.error();
    auto header = parseHeader(reinterpret_cast<const unsigned char*>(bytes.constData()),
                              static_cast<uint64_t>(bytes.size()), size, OpenMode::Strict, file.path());
    if (!header)
        return header.error();
    snapshot.m_header = std::move(*header);
    bytes.truncate(static_cast<qsizetype>(snapshot.m_header.dataStart));
    return snapshot;
}

Result<HeaderSnapshot> HeaderSnapshot::reopen(const QString& path, const platform::FileStatus* expected)
{
    auto file = SystemFile::open(path, platform::ReadOnly);
    if (!file)
        return file.error();
    auto snapshot = read(*file);
    if (!snapshot)
        return snapshot;
    if (expected != nullptr && !snapshot->m_identity.sameFileAs(*expected))
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("'%1' was replaced by another file while it was being saved").arg(path), path);
    return snapshot;
}

} // namespace safescope
