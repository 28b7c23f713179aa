#include "core/platform/guardedfilepages.h"

#include "core/platform/windows/widepath.h"

#include <cerrno>
#include <windows.h>

namespace safescope::platform {

namespace {

HANDLE handleOf(NativeHandle handle)
{
    return reinterpret_cast<HANDLE>(handle);
}

} // namespace

int setFileSize(NativeHandle file, uint64_t size)
{
    FILE_END_OF_FILE_INFO end = {};
    end.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
    return ::SetFileInformationByHandle(handleOf(file), FileEndOfFileInfo, &end, sizeof end) ? 0 : lastError();
}

void* reserveGuardedFilePages(NativeHandle file, size_t size)
{
    if (size == 0)
        return nullptr;
    const auto length = static_cast<uint64_t>(size);
    HANDLE section = ::CreateFileMappingW(handleOf(file), nullptr, PAGE_READWRITE, static_cast<DWORD>(length >> 32),
                                          static_cast<DWORD>(length), nullptr);
    if (section == nullptr)
        return nullptr;
    void* view = ::MapViewOfFile(section, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, size);
    ::CloseHandle(section); // the view keeps the section
    if (view == nullptr)
        return nullptr;
    // A view cannot be mapped without access; it is made so at once, before anyone can read it.
    DWORD previous = 0;
    if (!::VirtualProtect(view, size, PAGE_NOACCESS, &previous)) {
        ::UnmapViewOfFile(view);
        return nullptr;
    }
    return view;
}

int setFilePageAccess(void* address, size_t length, PageAccess access)
{
    // The view's pages are committed already (by the file): only their protection changes.
    DWORD previous = 0;
    const DWORD protection = access == PageAccess::ReadWrite ? PAGE_READWRITE : PAGE_READONLY;
    return ::VirtualProtect(address, length, protection, &previous) ? 0 : EACCES;
}

void releaseGuardedFilePages(void* address, size_t size)
{
    (void)size;
    if (address != nullptr)
        ::UnmapViewOfFile(address);
}

} // namespace safescope::platform
