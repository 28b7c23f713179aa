#pragma once

#include <cstddef>
#include <thread>

namespace safescope {

/// Faults in heap memory on a second thread while the loading thread parses a header, so that the tree built next
/// is made of memory that is already backed. On a virtual machine the first touch of a fresh page is a fault in
/// the host too; the tree build of a 100,000-tensor header spent two thirds of its time there (bench_viewer:
/// createNodes 35-55 ms on fresh memory, 13-17 ms on reused memory). The parse leaves the other core idle, so the
/// faults cost no wall time there.
///
/// The thread allocates the block, writes one byte per page and frees it: with the heap thresholds that
/// tuneAllocatorForViewer() sets, the block stays in the heap, and the allocations that follow are carved from it.
/// Only with glibc; elsewhere it does nothing.
class HeapPrewarm final
{
public:
    /// Starts warming `bytes` (capped below the allocator's mmap threshold; 0 does nothing).
    explicit HeapPrewarm(size_t bytes);
    /// Waits for the thread: memory it still holds is not yet free for others.
    ~HeapPrewarm();
    HeapPrewarm(const HeapPrewarm&) = delete;
    HeapPrewarm& operator=(const HeapPrewarm&) = delete;

    /// Waits until the block is back in the heap; call before the allocations meant to reuse it.
    void finish();

    /// The largest block worth warming: larger ones would be mapped apart from the heap and unmapped on free.
    static size_t maxBytes();

private:
    std::thread m_thread;
};

} // namespace safescope
