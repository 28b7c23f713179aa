#pragma once

#include <cstddef>

namespace safescope {

/// Blocks below this size come from the heap, not from a mapping of their own (see tuneAllocatorForViewer()).
inline constexpr size_t kHeapMmapThreshold = size_t{32} << 20;

/// Tunes glibc's allocator for the viewer; call it first thing in main(), before any thread starts.
///
/// 1. Transparent huge pages for the heap. Opening a 100,000-tensor checkpoint allocates tens of MB of small
///    objects (names, shapes, tree nodes), and every fresh 4 KiB page costs a page fault. On virtual machines a fault
///    costs 15 us or more, which made faults most of the open time (bench_viewer: tree build 155 ms with 4 KiB pages,
///    48 ms with huge pages; core open 180 ms against 100 ms). glibc only takes this setting from the environment
///    (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, read at start-up), so the process re-executes itself once with it set,
///    unless the user already chose a value; if re-executing fails, it carries on as it was.
/// 2. One malloc arena for all threads. The model and tree are built in a worker thread; in a fresh per-thread arena
///    that first open took 5x longer than on the main thread (864 ms against 162 ms), because each growth of a
///    thread arena is a separate mapping change and page-fault run. Worker threads that read tensor data do not
///    allocate in their inner loops, so sharing one arena costs nothing measurable.
/// 3. Fixed heap thresholds: blocks under kHeapMmapThreshold come from the heap and free() trims the heap only past
///    twice that. glibc moves its thresholds to these values by itself after the first large free; fixed up front,
///    the first open already builds its model and tree in memory the start-up freed instead of fresh pages
///    (bench_viewer: core open ~63 -> ~40 ms, tree build 45-53 -> ~15 ms), and releaseFreedMemory() still
///    returns free pages after each load.
void tuneAllocatorForViewer(char* argv[]);

/// Returns the heap's free pages to the system (glibc's malloc_trim). Parsing a header and building its tree leave
/// freed temporaries in the middle of the heap, where plain free() never gives pages back; without this the
/// window kept them resident for as long as it stayed open. Call after a model has loaded.
void releaseFreedMemory();

} // namespace safescope
