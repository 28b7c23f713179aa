#include "core/io/parallelchunks.h"

#include "core/io/sigbusguard.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace safescope {

namespace {
thread_local bool t_lastRunHitChangedFile = false;
} // namespace

int chunkWorkerCount(uint64_t total, uint64_t chunk)
{
    const uint64_t chunks = chunk == 0 ? 1 : (total + chunk - 1) / chunk;
    const uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
    return static_cast<int>(std::clamp<uint64_t>(std::min(chunks, cores), 1, 64));
}

bool parallelChunks(uint64_t total, uint64_t chunk, const std::atomic_bool& cancel, const ProgressPhase& progress,
                    const std::function<void(int worker, uint64_t begin, uint64_t end)>& fn)
{
    chunk = std::max<uint64_t>(chunk, 1);
    const uint64_t chunkCount = (total + chunk - 1) / chunk;
    const int workers = chunkWorkerCount(total, chunk);
    std::atomic<uint64_t> next{0};
    std::atomic_bool faulted{false}; // a worker touched mapped bytes that vanished: stop everyone
    std::atomic<uint64_t> done{0};

    // Whichever worker finishes a chunk reports, unless another is reporting right now: progress (and a cancel
    // requested from the callback) arrives after every chunk even when one worker is descheduled, and the callback
    // never runs twice at once.
    std::mutex reporting;
    auto run = [&](int worker) {
        for (;;) {
            if (cancel.load(std::memory_order_relaxed) || faulted.load(std::memory_order_relaxed))
                return;
            const uint64_t index = next.fetch_add(1, std::memory_order_relaxed);
            if (index >= chunkCount)
                return;
            const uint64_t begin = index * chunk;
            if (!SigbusGuard::runGuarded([&] { fn(worker, begin, std::min(total, begin + chunk)); })) {
                faulted = true;
                return;
            }
            done.fetch_add(1, std::memory_order_relaxed);
            if (reporting.try_lock()) {
                progress.report(static_cast<double>(done.load(std::memory_order_relaxed)) /
                                static_cast<double>(chunkCount));
                reporting.unlock();
            }
        }
    };

    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(workers - 1));
    for (int w = 1; w < workers; ++w)
        threads.emplace_back(run, w);
    run(0);
    for (std::thread& thread : threads)
        thread.join();
    t_lastRunHitChangedFile = faulted.load();
    if (cancel.load() || t_lastRunHitChangedFile)
        return false;
    progress.report(1.0);
    return true;
}

Error chunksStoppedError(const QString& cancelledMessage)
{
    if (t_lastRunHitChangedFile)
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("the file changed on disk while its data was being read (it was truncated or "
                                        "rewritten by another program); reload it"));
    return makeError(ErrorKind::Cancelled, cancelledMessage);
}

} // namespace safescope
