#include "core/platform/heapprefault.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

// AddressSanitizer's allocator keeps freed blocks in quarantine instead of handing them out again, so memory
// populated here would only add to the resident size.
#if defined(__SANITIZE_ADDRESS__)
#define SAFESCOPE_HEAP_IS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAFESCOPE_HEAP_IS_SANITIZED 1
#endif
#endif

namespace safescope::platform {

#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE) && !defined(SAFESCOPE_HEAP_IS_SANITIZED)

namespace {

// Blocks below the mmap threshold, so that they come from (and go back to) the thread's arena. An arena other than
// glibc's main one is a 64 MiB reservation: a 16 MiB block always fits beside what it holds.
constexpr std::size_t kBlockBytes = std::size_t{16} << 20;

// glibc gives a block above its mmap threshold a mapping of its own, unmapped when freed, and returns the free top of
// an arena to the system once it exceeds the trim threshold. Both start at 128 KiB and rise by themselves as the
// program frees large blocks, up to 32 MiB and 64 MiB: set to those ceilings from the start, a prefaulted block goes
// back to its arena when freed and stays there for the allocations that follow.
void keepFreedBlocksInTheirArena()
{
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, static_cast<int>(2 * kBlockBytes));
        mallopt(M_TRIM_THRESHOLD, static_cast<int>(4 * kBlockBytes));
    });
}

bool switchedOff()
{
    // For benchmarks that measure what prefaulting saves, in the same run (bench_viewer).
    static const bool off = [] {
        const char* value = std::getenv("SAFESCOPE_HEAP_PREFAULT");
        return value != nullptr && value[0] == '0';
    }();
    return off;
}

} // namespace

std::size_t prefaultHeap(std::size_t bytes)
{
    bytes = std::min(bytes, kMaxPrefaultBytes);
    if (bytes == 0 || switchedOff())
        return 0;
    keepFreedBlocksInTheirArena();
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    void* blocks[kMaxPrefaultBytes / kBlockBytes + 1] = {};
    std::size_t count = 0;
    std::size_t populated = 0;
    // Every block is held until the last is populated: freed at once, the next malloc would return the same one.
    for (std::size_t left = bytes; left > 0 && count < std::size(blocks);) {
        const std::size_t size = std::min(left, kBlockBytes);
        void* block = std::malloc(size);
        if (block == nullptr)
            break;
        blocks[count++] = block;
        left -= size;
        const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(block) + page - 1) & ~(page - 1);
        const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(block) + size) & ~(page - 1);
        // EINVAL before Linux 5.14: nothing is populated, and each page faults on its first touch as it always did.
        if (end > begin && madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0)
            populated += end - begin;
    }
    // Freed from the top down, the blocks join the arena's free top (below the trim threshold: it stays).
    for (std::size_t i = count; i-- > 0;)
        std::free(blocks[i]);
    return populated;
}

void releaseFreeHeap()
{
    // malloc_trim returns the free chunks of every arena and the free top of the main one, but another thread's
    // arena keeps its free top until a large free there finds it above the trim threshold: with the threshold
    // lowered for one such free, the calling thread's arena gives its top back too.
    keepFreedBlocksInTheirArena();
    constexpr std::size_t kLargeFree = std::size_t{256} << 10; // merges into the top and looks at it when freed
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(kLargeFree));
    void* volatile block = std::malloc(kLargeFree); // volatile: a malloc and free in a row may be left out
    std::free(block);
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(4 * kBlockBytes));
    malloc_trim(0);
}

#else

std::size_t prefaultHeap(std::size_t)
{
    return 0;
}

void releaseFreeHeap() {}

#endif

} // namespace safescope::platform
