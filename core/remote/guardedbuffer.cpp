#include "core/remote/guardedbuffer.h"

#include <algorithm>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace safescope {

namespace {

uint64_t pageBytes()
{
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    return page;
}

} // namespace

GuardedBuffer::GuardedBuffer(uint64_t size) : m_size(size)
{
    if (size == 0)
        return;
    m_mapped = (size + pageBytes() - 1) / pageBytes() * pageBytes();
    void* mapped = ::mmap(nullptr, m_mapped, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped != MAP_FAILED)
        m_data = static_cast<unsigned char*>(mapped);
}

GuardedBuffer::~GuardedBuffer()
{
    if (m_data)
        ::munmap(m_data, m_mapped);
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
    if (::mprotect(m_data + begin, length, PROT_READ | PROT_WRITE) != 0)
        return nullptr;
    return m_data + begin;
}

void GuardedBuffer::seal(uint64_t begin, uint64_t end)
{
    const uint64_t length = (end - begin + pageBytes() - 1) / pageBytes() * pageBytes();
    ::mprotect(m_data + begin, length, PROT_READ);
}

} // namespace safescope
