#include "core/headersnapshot.h"

#include "core/headerparser.h"

#include <QtEndian>

#include <fcntl.h>

namespace safescope {

namespace {

// One pread covers the length field and the whole header of nearly every checkpoint (a 64 KiB header holds
// several hundred tensors); larger headers take a second read.
constexpr uint64_t kFirstRead = uint64_t{64} << 10;

} // namespace

Result<HeaderSnapshot> HeaderSnapshot::read(const PosixFile& file)
{
    HeaderSnapshot snapshot;
    auto info = file.status();
    if (!info)
        return info.error();
    snapshot.m_identity = *info;
    snapshot.m_path = file.path();
    const auto size = static_cast<uint64_t>(info->st_size);
    QByteArray& bytes = snapshot.m_bytes;
    bytes.resize(static_cast<qsizetype>(std::min(size, 8 + kFirstRead)));
    if (Status read = file.readAt(bytes.data(), static_cast<uint64_t>(bytes.size()), 0); !read)
        return read.error();
    if (size >= 8) {
        const uint64_t length = std::min<uint64_t>(qFromLittleEndian<quint64>(bytes.constData()), kMaxHeaderLength);
        const uint64_t wanted = std::min(size, 8 + length);
        const auto have = static_cast<uint64_t>(bytes.size());
        if (wanted > have) {
            bytes.resize(static_cast<qsizetype>(wanted));
            if (Status read = file.readAt(bytes.data() + have, wanted - have, have); !read)
                return read.error();
        }
    }
    auto header = parseHeader(reinterpret_cast<const unsigned char*>(bytes.constData()),
                              static_cast<uint64_t>(bytes.size()), size, OpenMode::Strict, file.path());
    if (!header)
        return header.error();
    snapshot.m_header = std::move(*header);
    bytes.truncate(static_cast<qsizetype>(snapshot.m_header.dataStart));
    return snapshot;
}

Result<HeaderSnapshot> HeaderSnapshot::reopen(const QString& path, const struct stat* expected)
{
    auto file = PosixFile::open(path, O_RDONLY);
    if (!file)
        return file.error();
    auto snapshot = read(*file);
    if (!snapshot)
        return snapshot;
    if (expected != nullptr &&
        (snapshot->m_identity.st_dev != expected->st_dev || snapshot->m_identity.st_ino != expected->st_ino))
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("'%1' was replaced by another file while it was being saved").arg(path), path);
    return snapshot;
}

} // namespace safescope
