#pragma once

#include "core/format/error.h"

#include <atomic>
#include <cstdint>
#include <functional>

namespace safescope {

/// Progress of a long operation, as a fraction in [0, 1]. Called on the thread that started the operation.
using ProgressFn = std::function<void(double fraction)>;

/// Reports progress of one phase of an operation: fractions in [0, 1] of the phase map to
/// [base, base + span] of the whole operation.
struct ProgressPhase
{
    const ProgressFn* progress = nullptr;
    double base = 0.0;
    double span = 1.0;
    void report(double fraction) const
    {
        if (progress && *progress)
            (*progress)(base + span * fraction);
    }
};

/// How many workers parallelChunks() uses for `total` items in chunks of `chunk` (at least 1).
int chunkWorkerCount(uint64_t total, uint64_t chunk);

/// Calls fn(worker, begin, end) for consecutive chunks covering [0, total) on chunkWorkerCount() threads, the
/// caller's included, so callers can keep one accumulator per worker without locks. Chunks are handed out
/// dynamically (cores may be busy elsewhere). Cancellation is checked before every chunk; progress is reported
/// after chunks by whichever worker finished one, never by two at once, so a callback needs no locking (but may
/// run on any of the workers). Every chunk runs under SigbusGuard. Returns false when cancelled or when the mapped
/// file shrank under a worker; chunksStoppedError() then tells which.
bool parallelChunks(uint64_t total, uint64_t chunk, const std::atomic_bool& cancel, const ProgressPhase& progress,
                    const std::function<void(int worker, uint64_t begin, uint64_t end)>& fn);

/// Why the last parallelChunks() on this thread returned false: FileChanged when mapped bytes vanished under a
/// worker (the file was truncated), otherwise Cancelled with `cancelledMessage`.
Error chunksStoppedError(const QString& cancelledMessage);

} // namespace safescope
