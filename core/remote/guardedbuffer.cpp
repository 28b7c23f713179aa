#include "core/remote/guardedbuffer.h"

#include "core/platform/filemapping.h"

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

GuardedBuffer::~GuardedBuffer()
{
    if (m_data)
        platform::releaseGuardedPages(m_data, m_mapped);
}

GuardedBuffer::GuardedBuffer(GuardedBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)),
      m_mapped(std::exchange(other.m_mapped, 0))
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
    if (platform::setPageAccess(m_data + begin, length, platform::PageAccess::ReadWrite) != 0)
        return nullptr;
    return m_data + begin;
}

void GuardedBuffer::seal(uint64_t begin, uint64_t end)
{
    const uint64_t length = (end - begin + pageBytes() - 1) / pageBytes() * pageBytes();
    (void)platform::setPageAccess(m_data + begin, length, platform::PageAccess::ReadOnly);
}

} // namespace safescope
