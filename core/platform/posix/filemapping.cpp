#include "core/platform/filemapping.h"

#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace safescope::platform {

FileMapping::~FileMapping()
{
    if (m_data != nullptr)
        ::munmap(m_data, m_size);
}

FileMapping::FileMapping(FileMapping&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)),
      m_section(std::exchange(other.m_section, kNoHandle))
{}

FileMapping& FileMapping::operator=(FileMapping&& other) noexcept
{
    if (this != &other) {
        if (m_data != nullptr)
            ::munmap(m_data, m_size);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_section = std::exchange(other.m_section, kNoHandle);
    }
    return *this;
}

int FileMapping::map(NativeHandle handle, uint64_t size, FileMapping& mapping)
{
    mapping = FileMapping();
    if (size == 0)
        return 0; // nothing to map: data() stays nullptr
    void* address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, static_cast<int>(handle), 0);
    if (address == MAP_FAILED)
        return errno;
    mapping.m_data = static_cast<unsigned char*>(address);
    mapping.m_size = size;
    return 0;
}

size_t pageSize()
{
    static const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    return page;
}

void adviseMemory(const void* address, size_t length, MemoryAdvice advice)
{
    const size_t page = pageSize();
    const auto begin = reinterpret_cast<uintptr_t>(address);
    // madvise wants a page-aligned start. Dropping pages is destructive for pages partly outside the range, so
    // DontNeed covers only whole pages inside it; the other advice may round outwards.
    const uintptr_t first = advice == MemoryAdvice::DontNeed ? (begin + page - 1) / page * page : begin / page * page;
    const uintptr_t last = advice == MemoryAdvice::DontNeed ? (begin + length) / page * page : begin + length;
    if (last <= first)
        return;
    int native = MADV_NORMAL;
    switch (advice) {
    case MemoryAdvice::Sequential:
        native = MADV_SEQUENTIAL;
        break;
    case MemoryAdvice::Random:
        native = MADV_RANDOM;
        break;
    case MemoryAdvice::WillNeed:
        native = MADV_WILLNEED;
        break;
    case MemoryAdvice::DontNeed:
        native = MADV_DONTNEED;
        break;
    }
    (void)::madvise(reinterpret_cast<void*>(first), last - first, native); // advice only: may fail
}

std::optional<bool> pageResident(const void* address)
{
#if defined(__linux__)
    // Bit 63 of the page's /proc/self/pagemap entry (readable by unprivileged processes): whether it is in this
    // process's page tables. mincore would answer "in the page cache", which a cold mapping of a cached file is too.
    static const int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC); // open for the process's life
    if (pagemap < 0)
        return std::nullopt;
    uint64_t entry = 0;
    const auto at = static_cast<off_t>(reinterpret_cast<uintptr_t>(address) / pageSize() * sizeof entry);
    if (::pread(pagemap, &entry, sizeof entry, at) != static_cast<ssize_t>(sizeof entry))
        return std::nullopt;
    return (entry >> 63) != 0;
#elif defined(__APPLE__)
    char vector = 0;
    auto* page = reinterpret_cast<caddr_t>(reinterpret_cast<uintptr_t>(address) / pageSize() * pageSize());
    if (::mincore(page, pageSize(), &vector) != 0)
        return std::nullopt;
    return (vector & MINCORE_INCORE) != 0;
#else
    (void)address;
    return std::nullopt;
#endif
}

void* allocatePages(size_t size)
{
    if (size == 0)
        return nullptr;
    // A transparent huge page only fills a 2 MiB-aligned range: a buffer of 2 MiB or more starts on such a
    // boundary (mapped with room to spare, the rest unmapped), so that none of it is left to 4 KiB pages but a
    // partial last one. On a virtual machine a 4 KiB page costs 5-16 us at its first write, a huge page about as
    // much as 20 of them.
    constexpr size_t kHugePage = size_t(2) << 20;
    const size_t page = pageSize();
    const size_t length = (size + page - 1) / page * page;
    const size_t slack = length >= kHugePage ? kHugePage : 0;
    void* mapped = ::mmap(nullptr, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED)
        return nullptr;
    auto* base = static_cast<unsigned char*>(mapped);
    unsigned char* address = base;
    if (slack != 0) {
        address = base + (kHugePage - reinterpret_cast<uintptr_t>(base) % kHugePage) % kHugePage;
        if (address != base)
            ::munmap(base, static_cast<size_t>(address - base));
        if (const size_t tail = static_cast<size_t>(base + length + slack - (address + length)); tail != 0)
            ::munmap(address + length, tail);
    }
#ifdef MADV_HUGEPAGE
    (void)::madvise(address, length, MADV_HUGEPAGE);
#endif
    return address;
}

void freePages(void* address, size_t size)
{
    if (address != nullptr && size != 0)
        ::munmap(address, size);
}

void* reserveGuardedPages(size_t size)
{
    if (size == 0)
        return nullptr;
    void* address = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return address == MAP_FAILED ? nullptr : address;
}

int setPageAccess(void* address, size_t length, PageAccess access)
{
    const int protection = access == PageAccess::ReadWrite ? PROT_READ | PROT_WRITE : PROT_READ;
    return ::mprotect(address, length, protection) == 0 ? 0 : errno;
}

void releaseGuardedPages(void* address, size_t size)
{
    if (address != nullptr)
        ::munmap(address, size);
}

} // namespace safescope::platform
