#include "core/io/mappedfile.h"

#include "core/io/localpath.h"
#include "core/io/regularfile.h"
#include "core/io/systemfile.h"
#include "core/platform/filestatus.h"
#include "core/platform/systemerror.h"

#include <algorithm>

namespace safescope {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const QString& path)
{
    std::shared_ptr<MappedFile> mapped(new MappedFile);
    mapped->m_path = path;
    // Opened by bytes: QFile(path) would re-encode a non-UTF-8 name lossily and miss the file. openRegularFile()
    // never blocks on a FIFO and refuses devices, sockets and folders.
    auto opened = openRegularFile(path, platform::ReadOnly);
    if (!opened)
        return opened.error();
    mapped->m_file = std::move(*opened);
    platform::FileStatus status;
    if (const int err = mapped->m_file.status(status))
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot inspect the file: %1").arg(QString::fromLocal8Bit(platform::errorText(err))), path);
    mapped->m_version = FileVersion::of(status);
    mapped->m_size = status.size; // the size the identity records
    if (mapped->m_size == 0)
        return std::shared_ptr<const MappedFile>(std::move(mapped));
    if (const int err = platform::FileMapping::map(mapped->m_file.handle(), mapped->m_size, mapped->m_mapping))
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("cannot map the file into memory: %1").arg(QString::fromLocal8Bit(platform::errorText(err))),
            path);
    mapped->m_data = mapped->m_mapping.data();
    return std::shared_ptr<const MappedFile>(std::move(mapped));
}

Status MappedFile::verifyUnchanged() const
{
    return verifyVersion(m_path, m_file.handle(), m_version);
}

uint64_t MappedFile::currentDiskSize() const
{
    platform::FileStatus status;
    return platform::statusOf(encodeLocalPath(m_path).toStdString(), platform::FollowLinks::Yes, status) == 0
               ? status.size
               : 0;
}

void MappedFile::releasePages(uint64_t offset, uint64_t length) const
{
    if (m_data == nullptr || offset >= m_size)
        return;
    const uint64_t end = std::min(m_size, offset + std::min(length, m_size - offset));
    // Only the whole pages inside the range are dropped (the seam rounds inwards for DontNeed).
    platform::adviseMemory(m_data + offset, static_cast<size_t>(end - offset), platform::MemoryAdvice::DontNeed);
}

Status MappedFile::readInto(uint64_t offset, uint64_t length, unsigned char* buffer) const
{
    return readExactly(m_file, m_path, buffer, length, offset);
}

} // namespace safescope
