#include "core/platform/filemapping.h"

#include "core/platform/windows/widepath.h"

#include <cerrno>
#include <utility>
#include <windows.h>
// After windows.h, which it needs.
#include <psapi.h>

namespace safescope::platform {

FileMapping::~FileMapping()
{
    if (m_data != nullptr)
        ::UnmapViewOfFile(m_data);
}

FileMapping::FileMapping(FileMapping&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)),
      m_section(std::exchange(other.m_section, kNoHandle))
{}

FileMapping& FileMapping::operator=(FileMapping&& other) noexcept
{
    if (this != &other) {
        if (m_data != nullptr)
            ::UnmapViewOfFile(m_data);
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
        return 0; // CreateFileMapping refuses an empty file: nothing to map, data() stays nullptr
    const HANDLE section = ::CreateFileMappingW(reinterpret_cast<HANDLE>(handle), nullptr, PAGE_READONLY,
                                                static_cast<DWORD>(size >> 32), static_cast<DWORD>(size), nullptr);
    if (section == nullptr)
        return lastError();
    void* view = ::MapViewOfFile(section, FILE_MAP_READ, 0, 0, static_cast<SIZE_T>(size));
    const int err = view == nullptr ? lastError() : 0;
    // The view keeps the section alive; the handle is not needed any more.
    ::CloseHandle(section);
    if (view == nullptr)
        return err;
    mapping.m_data = static_cast<unsigned char*>(view);
    mapping.m_size = size;
    return 0;
}

size_t pageSize()
{
    static const size_t page = [] {
        SYSTEM_INFO info = {};
        ::GetSystemInfo(&info);
        return static_cast<size_t>(info.dwPageSize);
    }();
    return page;
}

void adviseMemory(const void* address, size_t length, MemoryAdvice advice)
{
    if (length == 0)
        return;
    switch (advice) {
    case MemoryAdvice::WillNeed: {
        WIN32_MEMORY_RANGE_ENTRY range = {const_cast<void*>(address), length};
        (void)::PrefetchVirtualMemory(::GetCurrentProcess(), 1, &range, 0); // Windows 8 and later
        break;
    }
    case MemoryAdvice::DontNeed:
        // Unlocking pages that are not locked removes them from the working set (documented for VirtualUnlock);
        // the bytes stay readable. It reports "not locked", which is expected.
        (void)::VirtualUnlock(const_cast<void*>(address), length);
        break;
    case MemoryAdvice::Sequential:
    case MemoryAdvice::Random:
        break; // no per-range equivalent on Windows
    }
}

std::optional<bool> pageResident(const void* address)
{
    PSAPI_WORKING_SET_EX_INFORMATION info = {};
    info.VirtualAddress = const_cast<void*>(address);
    if (!::K32QueryWorkingSetEx(::GetCurrentProcess(), &info, sizeof info))
        return std::nullopt;
    return info.VirtualAttributes.Valid != 0;
}

void* allocatePages(size_t size)
{
    if (size == 0)
        return nullptr;
    return ::VirtualAlloc(nullptr, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void freePages(void* address, size_t size)
{
    (void)size;
    if (address != nullptr)
        ::VirtualFree(address, 0, MEM_RELEASE);
}

void* reserveGuardedPages(size_t size)
{
    if (size == 0)
        return nullptr;
    return ::VirtualAlloc(nullptr, size, MEM_RESERVE, PAGE_NOACCESS);
}

int setPageAccess(void* address, size_t length, PageAccess access)
{
    // Reserved pages are committed when first opened; committing committed pages again is allowed and keeps them.
    if (access == PageAccess::ReadWrite)
        return ::VirtualAlloc(address, length, MEM_COMMIT, PAGE_READWRITE) != nullptr ? 0 : EACCES;
    DWORD previous = 0;
    return ::VirtualProtect(address, length, PAGE_READONLY, &previous) ? 0 : EACCES;
}

void releaseGuardedPages(void* address, size_t size)
{
    (void)size;
    if (address != nullptr)
        ::VirtualFree(address, 0, MEM_RELEASE);
}

} // namespace safescope::platform
