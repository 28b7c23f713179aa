#include "core/platform/heapprefault.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

// A sanitizer's allocator (AddressSanitizer's quarantine, ThreadSanitizer's and MemorySanitizer's own heaps) ignores
// glibc's thresholds and does not hand freed blocks out again at once: memory populated here would only add to the
// resident size.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SAFESCOPE_HEAP_IS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SAFESCOPE_HEAP_IS_SANITIZED 1
#endif
#endif

namespace safescope::platform {

#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE) && !defined(SAFESCOPE_HEAP_IS_SANITIZED)

namespace {

// Blocks below the mmap threshold, so that they come from (and go back to) the thread's arena. An arena other than
// glibc's main one is made of 64 MiB heaps: a block that does not fit beside what the current heap holds gets a new
// heap, which glibc unmaps as soon as the block is freed (that prefault is lost). Small blocks make it rare.
constexpr std::size_t kBlockBytes = std::size_t{8} << 20;
// The smallest range that always holds an aligned 2 MiB huge page.
constexpr std::uintptr_t kHugeAskBytes = std::uintptr_t{4} << 20;
// glibc's own dynamic thresholds rise to these as the program frees large blocks.
constexpr int kMmapThreshold = 32 << 20;
constexpr int kTrimThreshold = 64 << 20;

// Guards the process-wide thresholds while releaseFreeHeap() lowers one of them for a moment.
std::mutex& thresholdLock()
{
    static std::mutex lock;
    return lock;
}

// glibc gives a block above its mmap threshold a mapping of its own, unmapped when freed, and returns the free top of
// an arena to the system once it exceeds the trim threshold. Both start at 128 KiB and rise by themselves as the
// program frees large blocks, up to 32 MiB and 64 MiB: set to those ceilings from the start, a prefaulted block goes
// back to its arena when freed and stays there for the allocations that follow. False where glibc refuses them
// (a 32-bit build caps the mmap threshold lower): prefaulting is then off.
bool keepFreedBlocksInTheirArena()
{
    static const bool kept = [] {
        const std::lock_guard lock(thresholdLock());
        return mallopt(M_MMAP_THRESHOLD, kMmapThreshold) != 0 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) != 0;
    }();
    return kept;
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

// Whether transparent huge pages are given only to ranges that ask for them ("[madvise]" in the kernel's setting).
bool hugePagesOnRequest()
{
    static const bool onRequest = [] {
        char mode[128] = {};
        std::FILE* file = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
        if (file == nullptr)
            return false;
        const bool read = std::fgets(mode, sizeof mode, file) != nullptr;
        std::fclose(file);
        return read && std::strstr(mode, "[madvise]") != nullptr;
    }();
    return onRequest;
}

} // namespace

std::size_t prefaultHeap(std::size_t bytes)
{
    bytes = std::min(bytes, kMaxPrefaultBytes);
    if (bytes == 0 || switchedOff() || !keepFreedBlocksInTheirArena())
        return 0;
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
        if (end <= begin)
            continue;
        void* const range = reinterpret_cast<void*>(begin);
        // Populated with transparent huge pages where the system offers them: a 2 MiB page is one page-table entry to
        // fill instead of 512, which on a virtual machine is most of populating (the core open of a DeepSeek-sized
        // index took 13 ms less, recognising its quantized weights 8 ms less). Where they are on only for ranges
        // that ask (Debian's default), the range asks for the populate alone: flagged "no huge pages" after it,
        // which in that mode faults and khugepaged treat as unflagged. Only a range that can hold an aligned huge
        // page asks: each request splits the heap's mapping and takes the address-space lock for writing, which a
        // shard header's few hundred KiB would pay for nothing. Advice only: refused, small pages as before.
        const bool askHuge = end - begin >= kHugeAskBytes && hugePagesOnRequest();
        if (askHuge)
            (void)madvise(range, end - begin, MADV_HUGEPAGE);
        // EINVAL before Linux 5.14: nothing is populated, and each page faults on its first touch as it always did.
        if (madvise(range, end - begin, MADV_POPULATE_WRITE) == 0)
            populated += end - begin;
        if (askHuge)
            (void)madvise(range, end - begin, MADV_NOHUGEPAGE);
    }
    // Freed from the top down, the blocks join the arena's free top (below the trim threshold: it stays).
    for (std::size_t i = count; i-- > 0;)
        std::free(blocks[i]);
    return populated;
}

void releaseThreadHeap()
{
    if (switchedOff() || !keepFreedBlocksInTheirArena())
        return;
    // A thread's arena keeps its free top until a large free there finds it above the trim threshold: with the
    // threshold lowered for one such free, it gives the top back. (While it is lowered, a large free on another
    // thread trims that thread's arena as well: memory given back early, nothing worse.)
    constexpr std::size_t kLargeFree = std::size_t{256} << 10; // merges into the top and looks at it when freed
    const std::lock_guard lock(thresholdLock());
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(kLargeFree));
    void* volatile block = std::malloc(kLargeFree); // volatile: a malloc and free in a row may be left out
    std::free(block);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

void releaseFreeHeap()
{
    if (switchedOff() || !keepFreedBlocksInTheirArena())
        return;
    releaseThreadHeap();
    // The free chunks of every arena and the free top of the main one.
    malloc_trim(0);
}

#else

std::size_t prefaultHeap(std::size_t)
{
    return 0;
}

void releaseThreadHeap() {}

void releaseFreeHeap() {}

#endif

} // namespace safescope::platform
