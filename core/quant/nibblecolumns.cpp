#include "core/quant/nibblecolumns.h"

#include "core/values/vectorkernels.h"

#include <algorithm>
#include <cstring>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SAFESCOPE_AVX512_NIBBLES 1
// GCC 12's AVX-512 intrinsics fill their unused merge operand with _mm512_undefined_*(), a self-initialised
// variable that -Wuninitialized reports at each use, at the header's line: switched off for this file, whose own
// variables are each written before they are read (tst_quantstats runs every kernel under the sanitizers).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace safescope {

namespace {

using u8x32 = uint8_t __attribute__((vector_size(32)));
using u32x8 = uint32_t __attribute__((vector_size(32)));

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

// Eight outputs a call (AVX2 or the baseline): the counts come out code by code and are laid out column by column.
ST_KERNEL void countEight(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                          uint32_t* counts)
{
    u32x8 totals[16] = {};
    countHalf<u8x32, u32x8, 0>(words, rowStride, rows, rowCount, totals);
    countHalf<u8x32, u32x8, 8>(words, rowStride, rows, rowCount, totals);
    for (size_t j = 0; j < 8; ++j)
        for (size_t code = 0; code < 16; ++code)
            counts[j * 16 + code] = totals[code][j];
}

#if defined(SAFESCOPE_AVX512_NIBBLES)
#define ST_AVX512 __attribute__((target("avx512f,avx512bw")))
#define ST_AVX512_INLINE inline __attribute__((target("avx512f,avx512bw"), always_inline))

// Bit-plane counters hold a byte's low-nibble count in bits 0-3 and its high-nibble count in bits 4-7: 15 rows
// before either could carry into the next.
constexpr size_t kPlaneRowsPerFlush = 15;

// The sixteen code-major count vectors (code c: its count in each of the 16 columns) transposed in registers and
// stored column by column, counts[j * 16 + code]: 64 shuffles, where adding 256 counts to their keys' rows one by
// one from the code-major layout took a third of the counting time.
ST_AVX512_INLINE void storeTransposed(const __m512i (&byCode)[16], uint32_t* counts)
{
    // Pairs, then quadruples of codes side by side in each 128-bit lane: u[4q + m] holds, in lane L, the counts of
    // codes 4q..4q+3 in column 4L + m.
    __m512i t[16], u[16];
    for (int p = 0; p < 8; ++p) {
        t[2 * p] = _mm512_unpacklo_epi32(byCode[2 * p], byCode[2 * p + 1]);
        t[2 * p + 1] = _mm512_unpackhi_epi32(byCode[2 * p], byCode[2 * p + 1]);
    }
    for (int q = 0; q < 4; ++q) {
        u[4 * q] = _mm512_unpacklo_epi64(t[4 * q], t[4 * q + 2]);
        u[4 * q + 1] = _mm512_unpackhi_epi64(t[4 * q], t[4 * q + 2]);
        u[4 * q + 2] = _mm512_unpacklo_epi64(t[4 * q + 1], t[4 * q + 3]);
        u[4 * q + 3] = _mm512_unpackhi_epi64(t[4 * q + 1], t[4 * q + 3]);
    }
    // Then a 4 x 4 transpose of lanes for each m: column 4L + m is lane L of u[m], u[4 + m], u[8 + m], u[12 + m].
    for (int m = 0; m < 4; ++m) {
        const __m512i b0 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0x88);
        const __m512i b1 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0xdd);
        const __m512i b2 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0x88);
        const __m512i b3 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0xdd);
        _mm512_storeu_si512(counts + 16 * m, _mm512_shuffle_i32x4(b0, b2, 0x88));
        _mm512_storeu_si512(counts + 16 * (4 + m), _mm512_shuffle_i32x4(b1, b3, 0x88));
        _mm512_storeu_si512(counts + 16 * (8 + m), _mm512_shuffle_i32x4(b0, b2, 0xdd));
        _mm512_storeu_si512(counts + 16 * (12 + m), _mm512_shuffle_i32x4(b1, b3, 0xdd));
    }
}

// Sixteen outputs per row with AVX-512BW, by bit planes instead of a compare per code: each nibble's four bits
// shifted down to its lowest bit (planes p0..p3), the four patterns of its two low bits and, flag masks folded in,
// of its two high bits, one ternary-logic instruction each; then a code's matches are one AND of two of them,
// counted with one byte add. About 43 instructions a row where compares took 67 to 100 (1.4x faster with the
// transposed store, in a microbenchmark of 2^30 codes). Only called where the CPU has AVX-512BW (nibbleColumns()).
ST_AVX512 void countSixteen(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                            uint32_t* counts)
{
    const __m512i flags = _mm512_set1_epi8(0x11); // bit 0: the low nibble; bit 4: the high one
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    const __m512i ones = _mm512_set1_epi8(1);
    const __m512i pairs = _mm512_set1_epi16(1);
    __m512i totals[16];
    for (__m512i& total : totals)
        total = _mm512_setzero_si512();
    for (size_t r = 0; r < rowCount;) {
        const size_t stop = std::min(rowCount, r + kPlaneRowsPerFlush);
        __m512i acc[16];
        for (__m512i& a : acc)
            a = _mm512_setzero_si512();
        for (; r < stop; ++r) {
            const __m512i p0 = _mm512_loadu_si512(words + rows[r] * rowStride);
            const __m512i p1 = _mm512_srli_epi16(p0, 1);
            const __m512i p2 = _mm512_srli_epi16(p0, 2);
            const __m512i p3 = _mm512_srli_epi16(p0, 3);
            // Ternary-logic tables over (a, b, c): 0x03 = ~a & ~b, 0x0c = ~a & b, 0x30 = a & ~b (c unused);
            // 0x02 = ~a & ~b & c, 0x08 = ~a & b & c, 0x20 = a & ~b & c, 0x80 = a & b & c.
            const __m512i low[4] = {_mm512_ternarylogic_epi32(p1, p0, p0, 0x03),
                                    _mm512_ternarylogic_epi32(p1, p0, p0, 0x0c),
                                    _mm512_ternarylogic_epi32(p1, p0, p0, 0x30), _mm512_and_si512(p1, p0)};
            const __m512i high[4] = {
                _mm512_ternarylogic_epi32(p3, p2, flags, 0x02), _mm512_ternarylogic_epi32(p3, p2, flags, 0x08),
                _mm512_ternarylogic_epi32(p3, p2, flags, 0x20), _mm512_ternarylogic_epi32(p3, p2, flags, 0x80)};
#pragma GCC unroll 16
            for (int c = 0; c < 16; ++c)
                acc[c] = _mm512_add_epi8(acc[c], _mm512_and_si512(low[c & 3], high[c >> 2]));
        }
        // Each byte's two fields added (at most 30), then the four bytes of a column's word (two multiply-adds).
        for (int c = 0; c < 16; ++c) {
            const __m512i both = _mm512_add_epi8(_mm512_and_si512(acc[c], nibble),
                                                 _mm512_and_si512(_mm512_srli_epi16(acc[c], 4), nibble));
            totals[c] = _mm512_add_epi32(totals[c], _mm512_madd_epi16(_mm512_maddubs_epi16(both, ones), pairs));
        }
    }
    storeTransposed(totals, counts);
}
#endif

} // namespace

size_t nibbleColumns()
{
#if defined(SAFESCOPE_AVX512_NIBBLES)
    static const size_t columns = __builtin_cpu_supports("avx512bw") ? 16 : 8;
    return columns;
#else
    return 8;
#endif
}

void countNibbleColumns(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                        size_t columns, uint32_t* counts)
{
#if defined(SAFESCOPE_AVX512_NIBBLES)
    if (columns == 16)
        return countSixteen(words, rowStride, rows, rowCount, counts);
#endif
    countEight(words, rowStride, rows, rowCount, counts);
}

} // namespace safescope
