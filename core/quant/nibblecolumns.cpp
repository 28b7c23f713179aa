#include "core/quant/nibblecolumns.h"

#include "core/values/vectorkernels.h"

#include <algorithm>
#include <cstring>

namespace safescope {

namespace {

using u8x32 = uint8_t __attribute__((vector_size(32)));
using u32x8 = uint32_t __attribute__((vector_size(32)));

// Byte counters take at most 2 per row (a byte holds two codes): flushed to 32-bit totals before 255.
constexpr size_t kRowsPerFlush = 127;

// Half of the codes at a time: eight byte-counter vectors and the row's two nibble vectors fit the 16 AVX2
// registers, where sixteen counters spilled to memory on every row.
template <unsigned First>
__attribute__((always_inline)) inline void countHalf(const unsigned char* words, uint64_t rowStride,
                                                     const uint32_t* rows, size_t rowCount, u32x8* totals)
{
    for (size_t r = 0; r < rowCount;) {
        const size_t stop = std::min(rowCount, r + kRowsPerFlush);
        u8x32 acc[8] = {};
        u8x32 code[8];
#pragma GCC unroll 8
        for (unsigned c = 0; c < 8; ++c)
            code[c] = u8x32{} + static_cast<uint8_t>(First + c);
        for (; r < stop; ++r) {
            u8x32 w;
            std::memcpy(&w, words + rows[r] * rowStride, sizeof w);
            const u8x32 lo = w & 15;
            const u8x32 hi = w >> 4;
#pragma GCC unroll 8
            for (unsigned c = 0; c < 8; ++c) // a match compares as all ones (-1): subtracting it counts one
                acc[c] -= (u8x32)(lo == code[c]) + (u8x32)(hi == code[c]);
        }
#pragma GCC unroll 8
        for (unsigned c = 0; c < 8; ++c) {
            // Four byte counters per word (one output's word) summed into one 32-bit count.
            const u32x8 x = (u32x8)acc[c];
            const u32x8 pairs = (x & 0x00ff00ffu) + ((x >> 8) & 0x00ff00ffu);
            totals[First + c] += (pairs & 0xffffu) + (pairs >> 16);
        }
    }
}

} // namespace

ST_KERNEL void countNibbleColumns(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                                  uint32_t* counts)
{
    u32x8 totals[16] = {};
    countHalf<0>(words, rowStride, rows, rowCount, totals);
    countHalf<8>(words, rowStride, rows, rowCount, totals);
    std::memcpy(counts, totals, sizeof totals);
}

} // namespace safescope
