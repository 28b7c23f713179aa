#include "core/quant/nibblecolumns.h"

#include "core/values/vectorkernels.h"

#include <algorithm>
#include <cstring>

namespace safescope {

namespace {

using u8x32 = uint8_t __attribute__((vector_size(32)));
using u32x8 = uint32_t __attribute__((vector_size(32)));
using u8x64 = uint8_t __attribute__((vector_size(64)));
using u32x16 = uint32_t __attribute__((vector_size(64)));

// Byte counters take at most 2 per row (a byte holds two codes): flushed to 32-bit totals before 255.
constexpr size_t kRowsPerFlush = 127;

// Half of the codes at a time: eight byte-counter vectors and the row's two nibble vectors fit the 16 AVX2
// registers, where sixteen counters spilled to memory on every row.
template <typename Bytes, typename Words, unsigned First>
__attribute__((always_inline)) inline void countHalf(const unsigned char* words, uint64_t rowStride,
                                                     const uint32_t* rows, size_t rowCount, Words* totals)
{
    for (size_t r = 0; r < rowCount;) {
        const size_t stop = std::min(rowCount, r + kRowsPerFlush);
        Bytes acc[8] = {};
        Bytes code[8];
#pragma GCC unroll 8
        for (unsigned c = 0; c < 8; ++c)
            code[c] = Bytes{} + static_cast<uint8_t>(First + c);
        for (; r < stop; ++r) {
            Bytes w;
            std::memcpy(&w, words + rows[r] * rowStride, sizeof w);
            const Bytes lo = w & 15;
            const Bytes hi = w >> 4;
#pragma GCC unroll 8
            for (unsigned c = 0; c < 8; ++c) // a match compares as all ones (-1): subtracting it counts one
                acc[c] -= (Bytes)(lo == code[c]) + (Bytes)(hi == code[c]);
        }
#pragma GCC unroll 8
        for (unsigned c = 0; c < 8; ++c) {
            // Four byte counters per word (one output's word) summed into one 32-bit count.
            const Words x = (Words)acc[c];
            const Words pairs = (x & 0x00ff00ffu) + ((x >> 8) & 0x00ff00ffu);
            totals[First + c] += (pairs & 0xffffu) + (pairs >> 16);
        }
    }
}

template <typename Bytes, typename Words>
__attribute__((always_inline)) inline void countAll(const unsigned char* words, uint64_t rowStride,
                                                    const uint32_t* rows, size_t rowCount, uint32_t* counts)
{
    Words totals[16] = {};
    countHalf<Bytes, Words, 0>(words, rowStride, rows, rowCount, totals);
    countHalf<Bytes, Words, 8>(words, rowStride, rows, rowCount, totals);
    std::memcpy(counts, totals, sizeof totals);
}

ST_KERNEL void countEight(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                          uint32_t* counts)
{
    countAll<u8x32, u32x8>(words, rowStride, rows, rowCount, counts);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
// Sixteen outputs per row with AVX-512BW: the same instructions on twice the codes (64-byte vectors; 32 registers
// hold the counters). Only called where the CPU has it (nibbleColumns()).
__attribute__((target("avx512bw"))) void countSixteen(const unsigned char* words, uint64_t rowStride,
                                                      const uint32_t* rows, size_t rowCount, uint32_t* counts)
{
    countAll<u8x64, u32x16>(words, rowStride, rows, rowCount, counts);
}
constexpr bool kWideBuilt = true;
#else
void countSixteen(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                  uint32_t* counts)
{
    countAll<u8x64, u32x16>(words, rowStride, rows, rowCount, counts);
}
constexpr bool kWideBuilt = false;
#endif

} // namespace

size_t nibbleColumns()
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    static const size_t columns = kWideBuilt && __builtin_cpu_supports("avx512bw") ? 16 : 8;
    return columns;
#else
    return 8;
#endif
}

void countNibbleColumns(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                        size_t columns, uint32_t* counts)
{
    if (columns == 16)
        countSixteen(words, rowStride, rows, rowCount, counts);
    else
        countEight(words, rowStride, rows, rowCount, counts);
}

} // namespace safescope
