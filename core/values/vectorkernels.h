#pragma once

// What the hand-vectorised kernels (statskernels.cpp, diffkernels.cpp) share: GCC vector types and the attribute
// that makes GCC build an AVX2 clone of each kernel and pick it at load time, so the project keeps its baseline
// ISA (no global -mavx2) and still runs the wide code where the CPU has it. Internal to core's kernel sources.

#include <cstdint>

// The clones are picked through an ifunc, which Windows executables do not have: MinGW builds the baseline only.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(_WIN32)
#define ST_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define ST_KERNEL
#endif

namespace safescope::vec {

using f8 = float __attribute__((vector_size(32)));
using f4 = float __attribute__((vector_size(16)));
using d4 = double __attribute__((vector_size(32)));
using i8 = int32_t __attribute__((vector_size(32)));
using i4 = int32_t __attribute__((vector_size(16)));
using u4 = uint32_t __attribute__((vector_size(16)));
using h4 = uint16_t __attribute__((vector_size(8)));
using l4 = int64_t __attribute__((vector_size(32)));

// The stats kernels do enough arithmetic per cache line that the hardware prefetcher falls behind on bytes that
// are not in cache yet (a tensor read in place from its mapping): loads then wait on memory, and 1 GiB of F32 took
// 0.21 s of CPU per pass instead of 0.10 s. Asking once per 64-byte line for the line 4 KiB ahead (64 lines in
// flight: 2 KiB was a few percent slower, 256 bytes no help) hides it; prefetching past the end of a mapping is
// harmless (a prefetch never faults).
inline void prefetchAhead(const unsigned char* at)
{
#if defined(__GNUC__) || defined(__clang__)
    constexpr int kAheadBytes = 4096;
    __builtin_prefetch(at + kAheadBytes, 0, 3);
#else
    (void)at;
#endif
}

} // namespace safescope::vec
