#include "core/io/fileidentity.h"

#include "core/format/headerparser.h"
#include "core/io/changedigest.h"
#include "core/io/headerlock.h"
#include "core/io/systemfile.h"
#include "core/text/textutil.h"

#include <QtEndian>

#include <algorithm>

namespace safescope {

FileIdentity FileIdentity::of(const platform::FileStatus& status, const QByteArray& headerBytes)
{
    return of(status, headerBytes.constData(), static_cast<size_t>(headerBytes.size()));
}

FileIdentity FileIdentity::of(const platform::FileStatus& status, const void* headerBytes, size_t length)
{
    FileIdentity identity;
    identity.device = status.device;
    identity.inode = status.inode;
    identity.size = status.size;
    identity.mtimeNs = status.modifiedNs;
    identity.headerBytes = static_cast<uint64_t>(length);
    identity.headerHash = changeDigest(headerBytes, length);
    return identity;
}

Result<FileIdentity> FileIdentity::read(const QString& path)
{
    // NonBlocking: opening a FIFO for reading would otherwise wait for a writer forever; it is refused below.
    auto file = SystemFile::open(path, platform::ReadOnly | platform::NonBlocking);
    if (!file)
        return file.error();
    auto lock = HeaderLock::forReading(file->handle(), path); // the header whole, not half of an in-place write
    if (!lock)
        return lock.error();
    auto status = file->status();
    if (!status)
        return status.error();
    if (status->kind != platform::FileKind::Regular)
        return makeError(ErrorKind::IoError, QStringLiteral("'%1' is not a regular file").arg(path), path);
    const uint64_t size = status->size;
    QByteArray bytes(static_cast<qsizetype>(std::min<uint64_t>(size, 8)), Qt::Uninitialized);
    if (Status read = file->readAt(bytes.data(), static_cast<uint64_t>(bytes.size()), 0); !read)
        return read.error();
    if (bytes.size() == 8) {
        const uint64_t length = qFromLittleEndian<quint64>(bytes.constData());
        const uint64_t wanted = 8 + std::min({length, kMaxHeaderLength, size - 8});
        bytes.resize(static_cast<qsizetype>(wanted));
        if (Status read = file->readAt(bytes.data() + 8, wanted - 8, 8); !read)
            return read.error();
    }
    return of(*status, bytes);
}

bool FileIdentity::sameAs(const FileIdentity& other) const
{
    return device == other.device && inode == other.inode && size == other.size && mtimeNs == other.mtimeNs &&
           headerBytes == other.headerBytes && headerHash == other.headerHash;
}

QString FileIdentity::differenceTo(const FileIdentity& now) const
{
    if (device != now.device || inode != now.inode)
        return QStringLiteral("it was replaced by another file");
    if (size != now.size)
        return QStringLiteral("its size changed from %1 to %2 bytes")
            .arg(QString::fromStdString(groupDigits(size)), QString::fromStdString(groupDigits(now.size)));
    if (headerBytes != now.headerBytes || headerHash != now.headerHash)
        return QStringLiteral("its header was rewritten");
    if (mtimeNs != now.mtimeNs)
        return QStringLiteral("it was modified");
    return {};
}

} // namespace safescope
