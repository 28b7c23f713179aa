#include "core/remote/guardedbuffer.h"

#include "core/io/localpath.h"
#include "core/io/systemfile.h"
#include "core/platform/filemapping.h"
#include "core/platform/filesystem.h"
#include "core/platform/guardedfilepages.h"
#include "core/platform/nativefile.h"

#include <algorithm>
#include <utility>

namespace safescope {

namespace {

uint64_t pageBytes()
{
    static const uint64_t page = platform::pageSize();
    return page;
}

} // namespace

GuardedBuffer::GuardedBuffer(uint64_t size) : m_size(size)
{
    if (size == 0)
        return;
    m_mapped = (size + pageBytes() - 1) / pageBytes() * pageBytes();
    m_data = static_cast<unsigned char*>(platform::reserveGuardedPages(m_mapped));
}

GuardedBuffer::GuardedBuffer(uint64_t size, const QString& backingFolder) : m_size(size)
{
    if (size == 0)
        return;
    m_mapped = (size + pageBytes() - 1) / pageBytes() * pageBytes();
    platform::NativeFile file;
    std::string path = encodeLocalPath(backingFolder + QStringLiteral("/tensor-XXXXXX")).toStdString();
    if (makeFolders(backingFolder) && platform::NativeFile::createUnique(path, 0, 0600, file) == 0) {
        if (platform::setFileSize(file.handle(), m_mapped) == 0)
            m_data = static_cast<unsigned char*>(platform::reserveGuardedFilePages(file.handle(), m_mapped));
        (void)file.close();
        // Nameless from now on: nothing is left in the cache folder when the buffer goes (or the process dies).
        if (platform::removeFile(path) != 0)
            m_pendingRemoval = path;
        m_fileBacked = m_data != nullptr;
    }
    if (!m_data) // no file there (read-only or full cache folder): anonymous memory still works for most tensors
        m_data = static_cast<unsigned char*>(platform::reserveGuardedPages(m_mapped));
}

GuardedBuffer::~GuardedBuffer()
{
    if (m_data && m_fileBacked)
        platform::releaseGuardedFilePages(m_data, m_mapped);
    else if (m_data)
        platform::releaseGuardedPages(m_data, m_mapped);
    if (!m_pendingRemoval.empty())
        (void)platform::removeFile(m_pendingRemoval);
}

GuardedBuffer::GuardedBuffer(GuardedBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)),
      m_mapped(std::exchange(other.m_mapped, 0)), m_fileBacked(std::exchange(other.m_fileBacked, false)),
      m_pendingRemoval(std::move(other.m_pendingRemoval))
{}

uint64_t GuardedBuffer::pageFloor(uint64_t offset)
{
    return offset / pageBytes() * pageBytes();
}

uint64_t GuardedBuffer::pageCeil(uint64_t offset) const
{
    return std::min(m_size, (offset + pageBytes() - 1) / pageBytes() * pageBytes());
}

unsigned char* GuardedBuffer::open(uint64_t begin, uint64_t end)
{
    if (!m_data || begin >= end || end > m_size || begin % pageBytes() != 0)
        return nullptr;
    const uint64_t length = (end - begin + pageBytes() - 1) / pageBytes() * pageBytes();
    const int failed = m_fileBacked
                           ? platform::setFilePageAccess(m_data + begin, length, platform::PageAccess::ReadWrite)
                           : platform::setPageAccess(m_data + begin, length, platform::PageAccess::ReadWrite);
    if (failed != 0)
        return nullptr;
    return m_data + begin;
}

void GuardedBuffer::seal(uint64_t begin, uint64_t end)
{
    const uint64_t length = (end - begin + pageBytes() - 1) / pageBytes() * pageBytes();
    if (m_fileBacked)
        (void)platform::setFilePageAccess(m_data + begin, length, platform::PageAccess::ReadOnly);
    else
        (void)platform::setPageAccess(m_data + begin, length, platform::PageAccess::ReadOnly);
}

} // namespace safescope
