#pragma once

namespace safescope {

/// Makes every thread allocate from the main heap (glibc). Opening a checkpoint builds its model and tree in a
/// worker thread; in a fresh per-thread arena that first open of a 100,000-tensor header took 5x longer than the
/// same open on the main thread (bench_viewer: 864 ms against 162 ms), because each growth of a thread arena is a
/// separate mapping change and page-fault run. Worker threads that read tensor data do not allocate in their inner
/// loops, so sharing one arena costs nothing measurable. Call it first thing in main(), before any thread starts.
void tuneAllocatorForViewer();

} // namespace safescope
