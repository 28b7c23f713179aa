#include "ui/window/allocatortuning.h"

// Included unconditionally: it defines __GLIBC__, which the checks below test (without a C library header first,
// they silently compiled to nothing).
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__) && defined(__GLIBC__)
#include <cstring>
#include <string>
#include <unistd.h>
#endif

namespace safescope {

namespace {

#if defined(__linux__) && defined(__GLIBC__)
void reexecWithHugePages(char* argv[])
{
    constexpr const char* kTunable = "glibc.malloc.hugetlb";
    const char* current = std::getenv("GLIBC_TUNABLES");
    if (argv == nullptr || argv[0] == nullptr || (current != nullptr && std::strstr(current, kTunable) != nullptr))
        return; // already set, by the first run of this process or by the user
    std::string tunables = current != nullptr && *current != '\0' ? std::string(current) + ':' : std::string();
    tunables += std::string(kTunable) + "=1";
    if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0)
        return;
    ::execv("/proc/self/exe", argv); // returns only on failure
    // Without huge pages everything still works, only slower: keep the setting out of child processes' way.
    if (current != nullptr)
        ::setenv("GLIBC_TUNABLES", current, 1);
    else
        ::unsetenv("GLIBC_TUNABLES");
}
#endif

} // namespace

void tuneAllocatorForViewer(char* argv[])
{
#if defined(__linux__) && defined(__GLIBC__)
    reexecWithHugePages(argv);
#else
    (void)argv;
#endif
#if defined(__GLIBC__)
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapMmapThreshold));
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * kHeapMmapThreshold));
#endif
}

void releaseFreedMemory()
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace safescope
