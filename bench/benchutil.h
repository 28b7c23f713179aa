#pragma once

#include "support/processstatus.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

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

using test::procStatusKiB; // from tests/support: the memory-bounding tests read the same fields

} // namespace safescope::bench
