#pragma once

#include <cstdint>
#include <string>

namespace safescope::test {

/// A field of /proc/self/status in KiB ("VmRSS", "VmHWM", "RssAnon"); 0 where unavailable. Shared by the tests
/// that bound memory and by the benchmarks that report it.
uint64_t procStatusKiB(const std::string& field);

} // namespace safescope::test
