#pragma once

#include "core/platform/nativehandle.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace safescope::platform {

/// How mapped bytes will be used (madvise; PrefetchVirtualMemory / DiscardVirtualMemory-free equivalents on Windows).
enum class MemoryAdvice
{
    Sequential, ///< read front to back once
    Random,     ///< scattered reads: no readahead
    WillNeed,   ///< start reading these pages in now
    DontNeed,   ///< drop them from this process's resident set; they stay readable (faulted back from the cache)
};

/// A read-only mapping of the first `size` bytes of an open file (mmap MAP_SHARED / CreateFileMapping +
/// MapViewOfFile). Pages load when first touched; a page beyond the end of a file shrunk since faults, which
/// pageguard.h turns into an error instead of a crash.
class FileMapping final
{
public:
    FileMapping() = default;
    ~FileMapping();
    FileMapping(FileMapping&& other) noexcept;
    FileMapping& operator=(FileMapping&& other) noexcept;
    FileMapping(const FileMapping&) = delete;
    FileMapping& operator=(const FileMapping&) = delete;

    /// 0 or an errno value. The handle may be closed afterwards: the mapping keeps the file.
    static int map(NativeHandle handle, uint64_t size, FileMapping& mapping);

    const unsigned char* data() const { return m_data; }
    uint64_t size() const { return m_size; }

private:
    unsigned char* m_data = nullptr;
    uint64_t m_size = 0;
    NativeHandle m_section = kNoHandle; // Windows: the file-mapping object
};

/// The size of a virtual-memory page.
size_t pageSize();
/// Advice for the whole pages inside [address, address + length); advice only, failures are ignored.
void adviseMemory(const void* address, size_t length, MemoryAdvice advice);
/// Whether the page holding `address` is in this process's page tables: Linux /proc/self/pagemap, macOS
/// mincore, Windows QueryWorkingSetEx. nullopt when the system will not say.
std::optional<bool> pageResident(const void* address);

/// Fresh zeroed read-write memory straight from the system (mmap anonymous / VirtualAlloc), with transparent huge
/// pages asked for where there are any (from 2 MiB on, aligned to hold them): for one large buffer that is filled
/// once, such as a table of counts. nullptr on failure. See PageArray for an owner.
void* allocatePages(size_t size);
void freePages(void* address, size_t size);

/// Access to pages of a guarded reservation.
enum class PageAccess
{
    ReadWrite, ///< being filled
    ReadOnly,  ///< filled: no later write by mistake
};
/// Address space with no access at all (mmap PROT_NONE / VirtualAlloc MEM_RESERVE): reading a page that was never
/// opened with setPageAccess() faults instead of returning bytes nobody wrote. Used where a wrong value would be
/// worse than a crash (tensor bytes fetched over the network page by page). nullptr on failure.
void* reserveGuardedPages(size_t size);
/// Opens whole pages of a reservation: 0 or an errno value (Windows commits them on first opening).
int setPageAccess(void* address, size_t length, PageAccess access);
void releaseGuardedPages(void* address, size_t size);

} // namespace safescope::platform
