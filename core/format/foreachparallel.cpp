#include "core/format/foreachparallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace safescope {

void forEachParallel(size_t count, size_t minPerThread, const std::function<void(size_t)>& work, size_t busyCores)
{
    std::atomic_size_t next = 0;
    const auto run = [&] {
        for (size_t i = next++; i < count; i = next++)
            work(i);
    };
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const size_t helpers =
        std::min<size_t>(count / std::max<size_t>(1, minPerThread), cores - 1 - std::min(busyCores, cores - 1));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < helpers; ++i)
        threads.emplace_back(run);
    run();
    for (std::thread& thread : threads)
        thread.join();
}

} // namespace safescope
