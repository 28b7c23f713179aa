#pragma once

#include <cstddef>
#include <cstdint>

// AVX-512 versions of the statistics' widest loops, for CPUs that have AVX-512F. GCC 12 turns compare-and-select
// on 512-bit vector types into scalar code, so these are written with intrinsics and per-function target
// attributes (the binary keeps the baseline ISA); statskernels.cpp calls in only where statsAvx512() says so.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SAFESCOPE_STATS_AVX512 1
#else
#define SAFESCOPE_STATS_AVX512 0
#endif

namespace safescope::detail {

/// Whether this build has the AVX-512 kernels and the CPU runs them.
bool statsAvx512();

/// Histogram slots of floats, eight at a time, by the rule of floatSlots in statskernels.cpp: t = (x - origin) *
/// factor in double, slot min(int(t), bins - 1) + 1 for t in [0, limit], slot 0 otherwise (NaN, Inf, out of
/// range); limit is taken as kMaxBinPosition at most, as binBlock does, so that t always converts to int32. Values out
/// of range are not told apart as below or above: call it only for a binning over the data's own extent. Handles the
/// first n / 8 * 8 elements and returns how many that is.
size_t floatSlotsAvx512(const unsigned char* p, size_t n, double origin, double factor, double limit, int bins,
                        int32_t* slots);

} // namespace safescope::detail
