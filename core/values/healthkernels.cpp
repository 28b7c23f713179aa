#include "core/values/healthkernels.h"

#include "core/values/vectorkernels.h"

#include <algorithm>
#include <cstring>

namespace safescope {

namespace {

using u32x8 = uint32_t __attribute__((vector_size(32)));

constexpr uint32_t kHashMultiplier = 0x9E3779B1u;

uint64_t mix(uint64_t hash, uint64_t value)
{
    hash = (hash ^ value) * 0x9E3779B97F4A7C15ull;
    return hash ^ (hash >> 29);
}

template <typename W> W loadWord(const unsigned char* p)
{
    W w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

template <typename W> bool inClass(W w, const WordRule& rule, WordClass wanted)
{
    const W a = static_cast<W>(w & static_cast<W>(rule.absMask));
    const bool nan = a > static_cast<W>(rule.nanAbove);
    const bool inf = a == static_cast<W>(rule.infEq);
    switch (wanted) {
    case WordClass::Nan:
        return nan;
    case WordClass::Inf:
        return inf;
    case WordClass::Overflow:
        return !nan && !inf && a > static_cast<W>(rule.ovfAbove);
    }
    return false;
}

// By reference: 32-byte vectors passed by value change the ABI between the AVX2 clone and the default one.
template <typename V, typename W> void splat(V& v, W value)
{
    for (size_t i = 0; i < sizeof(V) / sizeof(W); ++i)
        v[i] = value;
}

template <typename S> uint64_t laneSum(const S& v)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof(S) / sizeof(v[0]); ++i)
        sum += static_cast<uint64_t>(v[i]); // lanes hold small non-negative counts
    return sum;
}

// W: the unsigned word; V: 32 bytes of W; S: the signed vector a comparison of V yields. Lane counters are flushed
// before they can wrap (127 for bytes).
template <typename W, typename V, typename S>
[[gnu::always_inline]] inline void scanT(const unsigned char* p, size_t n, const WordRule& r, WordCounts& c,
                                         uint64_t& hash)
{
    constexpr size_t lanes = 32 / sizeof(W);
    constexpr size_t maxRun = sizeof(W) == 1 ? 127 : 4096;
    V absMask{};
    splat((absMask), static_cast<W>(r.absMask));
    V nanAbove{};
    splat((nanAbove), static_cast<W>(r.nanAbove));
    V infEq{};
    splat((infEq), static_cast<W>(r.infEq));
    V ovfAbove{};
    splat((ovfAbove), static_cast<W>(r.ovfAbove));
    V first{};
    splat((first), static_cast<W>(r.first));
    const V zero = V{};
    u32x8 h1{}, h2{};
    const size_t vectors = n / lanes;
    size_t v = 0;
    while (v < vectors) {
        const size_t end = std::min(vectors, v + maxRun);
        S cn{}, ci{}, cz{}, cd{}, co{};
        for (; v < end; ++v) {
            V w;
            // A page ahead: the hardware prefetcher stops at 4 KiB page boundaries of the mapping, and the next
            // page's TLB walk then stalls the loop (a third less CPU time with it). Prefetches never fault.
            __builtin_prefetch(p + v * 32 + 4096);
            std::memcpy(&w, p + v * 32, sizeof w);
            const V a = w & absMask;
            const S isNan = a > nanAbove;
            const S isInf = a == infEq;
            cn -= isNan;
            ci -= isInf;
            cz -= a != zero;
            cd -= w != first;
            co -= (a > ovfAbove) & ~isNan & ~isInf;
            u32x8 x;
            std::memcpy(&x, &w, sizeof x);
            h1 += x;
            h2 += (x ^ (x >> 15)) * kHashMultiplier;
        }
        c.nan += laneSum(cn);
        c.inf += laneSum(ci);
        c.nonzero += laneSum(cz);
        c.differing += laneSum(cd);
        c.overflow += laneSum(co);
    }
    uint64_t tail = 0;
    for (size_t i = vectors * lanes; i < n; ++i) {
        const W w = loadWord<W>(p + i * sizeof(W));
        const W a = static_cast<W>(w & static_cast<W>(r.absMask));
        const bool nan = a > static_cast<W>(r.nanAbove);
        const bool inf = a == static_cast<W>(r.infEq);
        c.nan += nan;
        c.inf += inf;
        c.nonzero += a != 0;
        c.differing += w != static_cast<W>(r.first);
        c.overflow += !nan && !inf && a > static_cast<W>(r.ovfAbove);
        tail = mix(tail, w);
    }
    // Lanes are folded in order, so the hash sees where in 32 bytes each word sat.
    for (size_t i = 0; i < 8; ++i)
        hash = mix(hash, (uint64_t(h1[i]) << 32) | h2[i]);
    hash = mix(hash, tail ^ n);
}

using u8x32 = uint8_t __attribute__((vector_size(32)));
using s8x32 = int8_t __attribute__((vector_size(32)));
using u16x16 = uint16_t __attribute__((vector_size(32)));
using s16x16 = int16_t __attribute__((vector_size(32)));
using s32x8 = int32_t __attribute__((vector_size(32)));
using u64x4 = uint64_t __attribute__((vector_size(32)));
using s64x4 = int64_t __attribute__((vector_size(32)));

ST_KERNEL void scan8(const unsigned char* p, size_t n, const WordRule& r, WordCounts& c, uint64_t& h)
{
    scanT<uint8_t, u8x32, s8x32>(p, n, r, c, h);
}

ST_KERNEL void scan16(const unsigned char* p, size_t n, const WordRule& r, WordCounts& c, uint64_t& h)
{
    scanT<uint16_t, u16x16, s16x16>(p, n, r, c, h);
}

ST_KERNEL void scan32(const unsigned char* p, size_t n, const WordRule& r, WordCounts& c, uint64_t& h)
{
    scanT<uint32_t, u32x8, s32x8>(p, n, r, c, h);
}

ST_KERNEL void scan64(const unsigned char* p, size_t n, const WordRule& r, WordCounts& c, uint64_t& h)
{
    scanT<uint64_t, u64x4, s64x4>(p, n, r, c, h);
}

template <typename W> size_t firstT(const unsigned char* p, size_t n, const WordRule& r, WordClass wanted)
{
    for (size_t i = 0; i < n; ++i) {
        if (inClass<W>(loadWord<W>(p + i * sizeof(W)), r, wanted))
            return i;
    }
    return n;
}

} // namespace

void scanWords(int width, const unsigned char* data, size_t count, const WordRule& rule, WordCounts& counts,
               uint64_t& hash)
{
    switch (width) {
    case 1:
        return scan8(data, count, rule, counts, hash);
    case 2:
        return scan16(data, count, rule, counts, hash);
    case 4:
        return scan32(data, count, rule, counts, hash);
    default:
        return scan64(data, count, rule, counts, hash);
    }
}

void hashBytes(const unsigned char* data, size_t size, uint64_t& hash)
{
    // Integer rule: the counts are thrown away, the hash is the one scanWords() computes.
    WordCounts ignored;
    scanWords(1, data, size, WordRule{}, ignored, hash);
}

size_t firstWord(int width, const unsigned char* data, size_t count, const WordRule& rule, WordClass wanted)
{
    switch (width) {
    case 1:
        return firstT<uint8_t>(data, count, rule, wanted);
    case 2:
        return firstT<uint16_t>(data, count, rule, wanted);
    case 4:
        return firstT<uint32_t>(data, count, rule, wanted);
    default:
        return firstT<uint64_t>(data, count, rule, wanted);
    }
}

} // namespace safescope
