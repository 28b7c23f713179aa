#pragma once

#include <cstddef>
#include <functional>

namespace safescope {

/// Calls work(i) for i in [0, count) on every core, the caller's thread included; `count / minPerThread` threads at
/// most, so a few items are not worth a thread start, and `busyCores` cores left to threads already at work.
void forEachParallel(size_t count, size_t minPerThread, const std::function<void(size_t)>& work, size_t busyCores = 0);

} // namespace safescope
