#pragma once

#include "support/processstatus.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace safescope::bench {

/// Best wall time of `runs` calls, in milliseconds: the least disturbed run is the fairest comparison.
inline double bestOfMs(int runs, const std::function<void()>& work)
{
    double best = 1e300;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        work();
        const auto stop = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::milli>(stop - start).count());
    }
    return best;
}

/// The memory-bandwidth peers' frame: `words` 8-byte words split evenly over all cores, `sumRange(begin, end)` run
/// on each part in its own thread, the results added (so the compiler cannot drop the reads).
inline uint64_t sumWordsOnAllCores(uint64_t words,
                                   const std::function<uint64_t(uint64_t begin, uint64_t end)>& sumRange)
{
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<uint64_t> sums(threads, 0);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] { sums[t] = sumRange(words * t / threads, words * (t + 1) / threads); });
    for (std::thread& thread : pool)
        thread.join();
    uint64_t total = 0;
    for (uint64_t sum : sums)
        total += sum;
    return total;
}

using test::procStatusKiB; // from tests/support: the memory-bounding tests read the same fields

} // namespace safescope::bench
