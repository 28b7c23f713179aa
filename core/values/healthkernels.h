#pragma once

#include <cstddef>
#include <cstdint>

namespace safescope {

// The hot loop of the value health scan: one read of each element's bits answers every question at once (NaN, Inf,
// zero, equal to the first element, beyond F16's range) and feeds the hash that finds duplicate tensors. Works on
// the raw words, so F32, F64, F16, BF16 and the integers need no decoding; vectorised with compiler vector types
// and cloned for AVX2 at load time (vectorkernels.h), which keeps the scan at memory speed.

/// How the bits of a word classify. With a = word & absMask: NaN when a > nanAbove, Inf when a == infEq, finite
/// beyond F16 when finite and a > ovfAbove. For integers the caller ignores those counts.
struct WordRule
{
    uint64_t absMask = ~uint64_t(0);
    uint64_t nanAbove = ~uint64_t(0);
    uint64_t infEq = ~uint64_t(0);
    uint64_t ovfAbove = ~uint64_t(0);
    uint64_t first = 0; ///< the tensor's first word: a word that differs makes the tensor non-constant
};

struct WordCounts
{
    uint64_t nan = 0;
    uint64_t inf = 0;
    uint64_t nonzero = 0; ///< a != 0: value non-zero for floats (-0.0 is zero), bits non-zero for integers
    uint64_t differing = 0;
    uint64_t overflow = 0;
};

/// Which class firstWord() looks for.
enum class WordClass : uint8_t
{
    Nan,
    Inf,
    Overflow
};

/// Counts the classes of `count` words of `width` bytes (1, 2, 4 or 8) at `data` (any alignment) into `counts`,
/// and folds the bytes into `hash`. The hash depends on how the bytes are cut into calls: callers cut every tensor
/// the same way, so equal tensors hash equal.
void scanWords(int width, const unsigned char* data, size_t count, const WordRule& rule, WordCounts& counts,
               uint64_t& hash);

/// Folds `size` bytes into `hash` (for dtypes scanned through decoding).
void hashBytes(const unsigned char* data, size_t size, uint64_t& hash);

/// Index of the first of `count` words in `wanted` class, or `count` when there is none. Scalar: it only runs on
/// a block already known to hold one.
size_t firstWord(int width, const unsigned char* data, size_t count, const WordRule& rule, WordClass wanted);

} // namespace safescope
