#include "core/mappedfile.h"

#include <QFileInfo>

#include <algorithm>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace safescope {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const QString& path)
{
    std::shared_ptr<MappedFile> mapped(new MappedFile);
    mapped->m_path = path;
    const QFileInfo info(path);
    if (info.isDir())
        return makeError(ErrorKind::IoError, QStringLiteral("this is a folder, not a file"), path);
    mapped->m_file = std::make_unique<QFile>(path);
    if (!mapped->m_file->open(QIODevice::ReadOnly))
        return makeError(ErrorKind::IoError,
                         QStringLiteral("cannot open the file: %1").arg(mapped->m_file->errorString()), path);
    mapped->m_size = static_cast<uint64_t>(mapped->m_file->size());
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

uint64_t MappedFile::currentDiskSize() const
{
    const QFileInfo info(m_path);
    return info.exists() ? static_cast<uint64_t>(info.size()) : 0;
}

void MappedFile::releasePages(uint64_t offset, uint64_t length) const
{
#if defined(__unix__)
    static const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    if (m_data == nullptr || offset >= m_size)
        return;
    const uint64_t end = std::min(m_size, offset + std::min(length, m_size - offset));
    const uint64_t first = (reinterpret_cast<uintptr_t>(m_data) + offset + page - 1) / page * page;
    const uint64_t last = (reinterpret_cast<uintptr_t>(m_data) + end) / page * page;
    if (last > first)
        (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED); // advice only: may fail
#else
    (void)offset;
    (void)length;
#endif
}

} // namespace safescope
