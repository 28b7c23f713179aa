#pragma once

#include <cstddef>

namespace safescope::platform {

/// Maps, in one system call, the heap memory the calling thread is about to fill, so that filling it takes no page
/// fault per 4 KiB page. Opening a DeepSeek-sized index builds some 100 MB of small objects (tensor entries,
/// quantized weights, the viewer's tree) and on a virtual machine a fault costs 5-16 us, so the faults were half of
/// recognising the quantized weights and of building the tree; populating the same memory ahead costs about 1 us a
/// page. `bytes` is what the caller expects to allocate, capped at kMaxBytes; the memory stays with the thread's
/// heap arena for its next allocations (it is resident, like the memory it stands for). Returns the bytes made
/// resident: 0 where the system cannot (not glibc on Linux 5.14 or later), which costs nothing but the faults.
std::size_t prefaultHeap(std::size_t bytes);

/// Gives the heap's free pages back to the system, so what prefaultHeap() made resident and the work after it
/// did not keep stops counting against the process (malloc_trim on glibc; nothing elsewhere). Call it when the work
/// a prefault was for is done.
void releaseFreeHeap();

/// The most one call makes resident: enough for a 100,000-tensor model on one thread.
inline constexpr std::size_t kMaxPrefaultBytes = std::size_t{48} << 20;

} // namespace safescope::platform
