#pragma once

#include <cstddef>

namespace safescope {

/// Faults in `bytes` of heap memory on the calling thread and frees it again, so that the allocations that follow
/// (on any thread) are carved from memory that is already backed. On a virtual machine the first touch of a fresh
/// page is a fault in the host too: the tensor tree of a 100,000-tensor header took 35-55 ms to build on fresh
/// memory and 13-17 ms on reused memory. Call it on a core that would otherwise wait (the loader's helper thread,
/// while the header is parsed). It relies on the heap thresholds that tuneAllocatorForViewer() sets, so that the
/// freed block stays in the heap; only with glibc, elsewhere it does nothing. Capped at maxBytes().
void prewarmHeap(size_t bytes);

/// The largest block worth warming: larger ones would be mapped apart from the heap and unmapped on free.
size_t maxPrewarmBytes();

} // namespace safescope
