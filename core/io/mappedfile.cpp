#include "core/io/mappedfile.h"

#include "core/io/localpath.h"
#include "core/io/regularfile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace safescope {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const QString& path)
{
    std::shared_ptr<MappedFile> mapped(new MappedFile);
    mapped->m_path = path;
    // Opened by bytes, then handed to QFile: QFile(path) would re-encode a non-UTF-8 name lossily and miss the file.
    // openRegularFile() never blocks on a FIFO and refuses devices, sockets and folders.
    auto opened = openRegularFile(path, O_RDONLY);
    if (!opened)
        return opened.error();
    const int fd = *opened;
    struct stat info = {};
    if (::fstat(fd, &info) != 0) {
        const int err = errno;
        ::close(fd);
        return makeError(ErrorKind::IoError,
                         QStringLiteral("cannot inspect the file: %1").arg(QString::fromLocal8Bit(std::strerror(err))),
                         path);
    }
    mapped->m_version = FileVersion::of(info);
    mapped->m_file = std::make_unique<QFile>();
    if (!mapped->m_file->open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return makeError(ErrorKind::IoError,
                         QStringLiteral("cannot open the file: %1").arg(mapped->m_file->errorString()), path);
    }
    mapped->m_size = static_cast<uint64_t>(info.st_size); // the size the identity records
    if (mapped->m_size == 0)
        return std::shared_ptr<const MappedFile>(std::move(mapped));
    mapped->m_data = mapped->m_file->map(0, static_cast<qint64>(mapped->m_size));
    if (mapped->m_data == nullptr)
        return makeError(ErrorKind::IoError,
                         QStringLiteral("cannot map the file into memory: %1").arg(mapped->m_file->errorString()),
                         path);
    return std::shared_ptr<const MappedFile>(std::move(mapped));
}

MappedFile::~MappedFile()
{
    if (m_data != nullptr)
        m_file->unmap(m_data);
}

Status MappedFile::verifyUnchanged() const
{
    return verifyVersion(m_path, m_file ? m_file->handle() : -1, m_version);
}

uint64_t MappedFile::currentDiskSize() const
{
    struct stat info = {};
    return ::stat(encodeLocalPath(m_path).constData(), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
}

void MappedFile::releasePages(uint64_t offset, uint64_t length) const
{
    static const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    if (m_data == nullptr || offset >= m_size)
        return;
    const uint64_t end = std::min(m_size, offset + std::min(length, m_size - offset));
    const uint64_t first = (reinterpret_cast<uintptr_t>(m_data) + offset + page - 1) / page * page;
    const uint64_t last = (reinterpret_cast<uintptr_t>(m_data) + end) / page * page;
    if (last > first)
        (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED); // advice only: may fail
}

bool MappedFile::readInto(uint64_t offset, uint64_t length, unsigned char* buffer) const
{
    const int fd = m_file ? m_file->handle() : -1;
    while (length > 0) {
        const ssize_t got = ::pread(fd, buffer, static_cast<size_t>(length), static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false; // 0: end of file before the range did, i.e. the file shrank
        buffer += got;
        offset += static_cast<uint64_t>(got);
        length -= static_cast<uint64_t>(got);
    }
    return true;
}

} // namespace safescope
