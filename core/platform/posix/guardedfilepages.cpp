#include "core/platform/guardedfilepages.h"

#include <cerrno>
#include <sys/mman.h>
#include <unistd.h>

namespace safescope::platform {

int setFileSize(NativeHandle file, uint64_t size)
{
    return ::ftruncate(static_cast<int>(file), static_cast<off_t>(size)) == 0 ? 0 : errno;
}

void* reserveGuardedFilePages(NativeHandle file, size_t size)
{
    if (size == 0)
        return nullptr;
    void* address = ::mmap(nullptr, size, PROT_NONE, MAP_SHARED, static_cast<int>(file), 0);
    return address == MAP_FAILED ? nullptr : address;
}

int setFilePageAccess(void* address, size_t length, PageAccess access)
{
    return setPageAccess(address, length, access); // mprotect works the same on a shared file mapping
}

void releaseGuardedFilePages(void* address, size_t size)
{
    if (address != nullptr)
        ::munmap(address, size);
}

} // namespace safescope::platform
