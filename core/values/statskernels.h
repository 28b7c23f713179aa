#pragma once

#include "core/values/histogram.h"
#include "core/values/moments.h"

#include <cstddef>
#include <cstdint>

namespace safescope {

// The hot loops of the statistics, over blocks small enough to stay in L1/L2 while they are read twice.
// Elements are float or double in memory of any alignment (the mapping itself for F32/F64, a decode buffer
// otherwise). Vectorised with compiler vector types and cloned for AVX2 at load time; the F32 histogram slots also
// have an AVX-512 kernel (statskernelsavx512.h).

enum class ElementType : uint8_t
{
    Float,
    Double
};

/// Elements per block of the kernels.
inline constexpr size_t kStatsBlock = 8192;

/// The largest bin position the kernels convert to int32 (safe below 2^31); no default-range position comes near it.
inline constexpr double kMaxBinPosition = 1073741824.0;

/// Adds up to kStatsBlock elements to moments of the finite values and to the class counts;
/// `minNormal` classifies subnormals. When minAbsNonZero is given it is lowered to the smallest non-zero |x|.
void accumulateBlock(ElementType type, const unsigned char* data, size_t count, double minNormal, Moments& moments,
                     ClassCounts& classes, double* minAbsNonZero = nullptr);

/// Bins up to kStatsBlock elements with a Binning's rule: counts has bins + 1 slots, slot 0 swallowing rejected
/// values (NaN, Inf, out of range) and slot b + 1 counting bin b. Finite values out of range go to below/above.
void binBlock(ElementType type, const unsigned char* data, size_t count, const Binning& binning, uint64_t* counts,
              uint64_t& below, uint64_t& above);
/// The same into 32-bit counters: half the cache a scatter over 65,537 of them touches. The caller keeps every
/// counter below 2^32 (bins fewer than 2^32 values before moving the counts on).
void binBlock(ElementType type, const unsigned char* data, size_t count, const Binning& binning, uint32_t* counts,
              uint64_t& below, uint64_t& above);

} // namespace safescope
