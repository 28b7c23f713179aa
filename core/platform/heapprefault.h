#pragma once

#include <cstddef>

namespace safescope::platform {

/// Maps, with one system call per 8 MiB, the heap memory the calling thread is about to fill, so that filling it
/// takes no page fault per page. Opening a DeepSeek-sized index builds some 100 MB of small objects (tensor entries,
/// quantized weights, the viewer's tree) and on a virtual machine a fault costs 5-16 us, so the faults were half of
/// recognising the quantized weights and of building the tree; populating the same memory ahead costs about 1 us a
/// page. `bytes` is what the caller expects to allocate, capped at kMaxPrefaultBytes; the memory stays with the
/// thread's heap arena for its next allocations (it is resident, like the memory it stands for). Returns the bytes
/// populated: 0 where it cannot help (not glibc on Linux 5.14 or later, a sanitizer's allocator, or switched off
/// with SAFESCOPE_HEAP_PREFAULT=0), which costs nothing but the faults. A block glibc had to place in a heap of its
/// own is counted but unmapped again when freed: rare, and only the prefault is lost.
std::size_t prefaultHeap(std::size_t bytes);

/// Gives the free top of the calling thread's heap arena back to the system (one large free under a lowered trim
/// threshold; nothing elsewhere). Other arenas are left alone, so a thread can call it while others work. Call it
/// on a thread when the work a prefault was for is done there.
void releaseThreadHeap();

/// releaseThreadHeap(), then the free chunks of every arena and the free top of the main one (malloc_trim). Another
/// thread's arena keeps its free top (at most glibc's 64 MiB trim threshold) until that thread releases it. Call it
/// when a whole piece of work is done: a thread still relying on its prefaulted heap may lose some of it (it then
/// faults as it would have without the prefault).
void releaseFreeHeap();

/// The most one call makes resident: enough for a 100,000-tensor model on one thread.
inline constexpr std::size_t kMaxPrefaultBytes = std::size_t{48} << 20;

} // namespace safescope::platform
