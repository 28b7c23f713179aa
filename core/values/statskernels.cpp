#include "core/values/statskernels.h"

#include "core/values/statskernelsavx512.h"
#include "core/values/threadscratch.h"
#include "core/values/vectorkernels.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

namespace safescope {

namespace {

using namespace vec;

struct BlockSums
{
    uint64_t finite = 0;
    double sum = 0.0;
    double sumSq = 0.0;
    double min = HUGE_VAL;
    double max = -HUGE_VAL;
    uint64_t zeros = 0;
    uint64_t subnormal = 0;
};

// Sums in double, min/max, and class counts of a block. Non-finite values are counted (finite < count) but
// pollute the sums: the caller then compacts the block and calls again.
ST_KERNEL BlockSums floatSums(const unsigned char* p, size_t n, float minNormal)
{
    const f8 zero = {};
    const f8 big = zero + FLT_MAX;
    const f8 small = zero + minNormal;
    const i8 absMask = i8{} + 0x7fffffff;
    f8 mn = zero + HUGE_VALF;
    f8 mx = zero - HUGE_VALF;
    d4 s0 = {}, s1 = {}, q0 = {}, q1 = {};
    i8 fin = {}, zer = {}, sub = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        if (i % 16 == 0)
            prefetchAhead(p + 4 * i);
        f8 x;
        std::memcpy(&x, p + 4 * i, sizeof x);
        const f8 ax = (f8)((i8)x & absMask);
        fin -= ax <= big;
        zer -= ax == zero;
        sub -= (ax < small) & (ax > zero);
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
        f4 lo, hi;
        std::memcpy(&lo, p + 4 * i, sizeof lo);
        std::memcpy(&hi, p + 4 * i + 16, sizeof hi);
        const d4 a = __builtin_convertvector(lo, d4);
        const d4 b = __builtin_convertvector(hi, d4);
        s0 += a;
        s1 += b;
        q0 += a * a;
        q1 += b * b;
    }
    BlockSums r;
    for (int k = 0; k < 4; ++k) {
        r.sum += s0[k] + s1[k];
        r.sumSq += q0[k] + q1[k];
    }
    for (int k = 0; k < 8; ++k) {
        r.finite += static_cast<uint32_t>(fin[k]);
        r.zeros += static_cast<uint32_t>(zer[k]);
        r.subnormal += static_cast<uint32_t>(sub[k]);
        r.min = std::fmin(r.min, mn[k]);
        r.max = std::fmax(r.max, mx[k]);
    }
    for (; i < n; ++i) {
        float x;
        std::memcpy(&x, p + 4 * i, sizeof x);
        const float ax = std::fabs(x);
        r.finite += ax <= FLT_MAX;
        r.zeros += ax == 0.0f;
        r.subnormal += ax < minNormal && ax > 0.0f;
        if (ax <= FLT_MAX) {
            r.min = std::fmin(r.min, x);
            r.max = std::fmax(r.max, x);
            r.sum += x;
            r.sumSq += double(x) * x;
        }
    }
    return r;
}

ST_KERNEL BlockSums doubleSums(const unsigned char* p, size_t n, double minNormal)
{
    const d4 zero = {};
    const d4 big = zero + DBL_MAX;
    const d4 small = zero + minNormal;
    const l4 absMask = l4{} + 0x7fffffffffffffffLL;
    d4 mn = zero + HUGE_VAL;
    d4 mx = zero - HUGE_VAL;
    d4 s0 = {}, s1 = {}, q0 = {}, q1 = {};
    l4 fin = {}, zer = {}, sub = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        prefetchAhead(p + 8 * i);
        d4 a, b;
        std::memcpy(&a, p + 8 * i, sizeof a);
        std::memcpy(&b, p + 8 * i + 32, sizeof b);
        const d4 aa = (d4)((l4)a & absMask);
        const d4 ab = (d4)((l4)b & absMask);
        fin -= (aa <= big) + (ab <= big);
        zer -= (aa == zero) + (ab == zero);
        sub -= ((aa < small) & (aa > zero)) + ((ab < small) & (ab > zero));
        mn = a < mn ? a : mn;
        mn = b < mn ? b : mn;
        mx = a > mx ? a : mx;
        mx = b > mx ? b : mx;
        s0 += a;
        s1 += b;
        q0 += a * a;
        q1 += b * b;
    }
    BlockSums r;
    for (int k = 0; k < 4; ++k) {
        r.sum += s0[k] + s1[k];
        r.sumSq += q0[k] + q1[k];
        r.finite += static_cast<uint64_t>(fin[k]);
        r.zeros += static_cast<uint64_t>(zer[k]);
        r.subnormal += static_cast<uint64_t>(sub[k]);
        r.min = std::fmin(r.min, mn[k]);
        r.max = std::fmax(r.max, mx[k]);
    }
    for (; i < n; ++i) {
        double x;
        std::memcpy(&x, p + 8 * i, sizeof x);
        const double ax = std::fabs(x);
        r.finite += ax <= DBL_MAX;
        r.zeros += ax == 0.0;
        r.subnormal += ax < minNormal && ax > 0.0;
        if (ax <= DBL_MAX) {
            r.min = std::fmin(r.min, x);
            r.max = std::fmax(r.max, x);
            r.sum += x;
            r.sumSq += x * x;
        }
    }
    return r;
}

// Squared deviations from the block's own mean: the block is still in cache, and this keeps the variance exact
// where sumSq - n * mean^2 would cancel.
ST_KERNEL double floatM2(const unsigned char* p, size_t n, double mean)
{
    const d4 m = d4{} + mean;
    d4 a0 = {}, a1 = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        f4 lo, hi;
        std::memcpy(&lo, p + 4 * i, sizeof lo);
        std::memcpy(&hi, p + 4 * i + 16, sizeof hi);
        const d4 a = __builtin_convertvector(lo, d4) - m;
        const d4 b = __builtin_convertvector(hi, d4) - m;
        a0 += a * a;
        a1 += b * b;
    }
    double r = 0.0;
    for (int k = 0; k < 4; ++k)
        r += a0[k] + a1[k];
    for (; i < n; ++i) {
        float x;
        std::memcpy(&x, p + 4 * i, sizeof x);
        r += (x - mean) * (x - mean);
    }
    return r;
}

ST_KERNEL double doubleM2(const unsigned char* p, size_t n, double mean)
{
    const d4 m = d4{} + mean;
    d4 a0 = {}, a1 = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        d4 a, b;
        std::memcpy(&a, p + 8 * i, sizeof a);
        std::memcpy(&b, p + 8 * i + 32, sizeof b);
        a -= m;
        b -= m;
        a0 += a * a;
        a1 += b * b;
    }
    double r = 0.0;
    for (int k = 0; k < 4; ++k)
        r += a0[k] + a1[k];
    for (; i < n; ++i) {
        double x;
        std::memcpy(&x, p + 8 * i, sizeof x);
        r += (x - mean) * (x - mean);
    }
    return r;
}

// Slots first, increments after: the scatter loop is then a bare load-increment-store per element, four per turn
// (the loop's own compare and branch were a third of its instructions, callgrind).
template <typename Count> void scatter(const int32_t* slots, size_t n, Count* counts)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        ++counts[slots[k]];
        ++counts[slots[k + 1]];
        ++counts[slots[k + 2]];
        ++counts[slots[k + 3]];
    }
    for (; k < n; ++k)
        ++counts[slots[k]];
}

// One value's slot per Binning's rule (kept identical to the vector code below, which must round the same way).
inline int scalarSlot(double x, double origin, double factor, double limit, int bins, uint64_t& below, uint64_t& above)
{
    const double t = binPosition(x, origin, factor);
    if (t >= 0.0 && t <= limit)
        return std::min(static_cast<int>(t), bins - 1) + 1;
    below += t < 0.0 && t > -HUGE_VAL;
    above += t > limit && t < HUGE_VAL;
    return 0;
}

ST_KERNEL void floatSlots(const unsigned char* p, size_t n, double origin, double factor, double limit, bool outside,
                          int bins, int32_t* slots, uint64_t& below, uint64_t& above)
{
    const d4 zero = {};
    const d4 o = zero + origin;
    const d4 f = zero + factor;
    const d4 lim = zero + limit;
    const d4 inf = zero + HUGE_VAL;
    const d4 rejected = zero - 1.0;
    const i4 last = i4{} + bins;
    l4 bel = {}, abv = {};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i % 16 == 0)
            prefetchAhead(p + 4 * i);
        f4 x;
        std::memcpy(&x, p + 4 * i, sizeof x);
        d4 t = (__builtin_convertvector(x, d4) - o) * f;
        const l4 ok = (t >= zero) & (t <= lim);
        if (outside) {
            bel -= (t < zero) & (t > -inf);
            abv -= (t > lim) & (t < inf);
        }
        t = ok ? t : rejected;
        i4 slot = __builtin_convertvector(t, i4) + 1;
        slot = slot > last ? last : slot;
        std::memcpy(slots + i, &slot, sizeof slot);
    }
    for (int k = 0; k < 4; ++k) {
        below += static_cast<uint64_t>(bel[k]);
        above += static_cast<uint64_t>(abv[k]);
    }
    for (; i < n; ++i) {
        float x;
        std::memcpy(&x, p + 4 * i, sizeof x);
        slots[i] = scalarSlot(x, origin, factor, limit, bins, below, above);
    }
}

ST_KERNEL void doubleSlots(const unsigned char* p, size_t n, double origin, double factor, double limit, bool outside,
                           int bins, int32_t* slots, uint64_t& below, uint64_t& above)
{
    const d4 zero = {};
    const d4 o = zero + origin;
    const d4 f = zero + factor;
    const d4 lim = zero + limit;
    const d4 inf = zero + HUGE_VAL;
    const d4 rejected = zero - 1.0;
    const i4 last = i4{} + bins;
    l4 bel = {}, abv = {};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i % 8 == 0)
            prefetchAhead(p + 8 * i);
        d4 x;
        std::memcpy(&x, p + 8 * i, sizeof x);
        d4 t = (x - o) * f;
        const l4 ok = (t >= zero) & (t <= lim);
        if (outside) {
            bel -= (t < zero) & (t > -inf);
            abv -= (t > lim) & (t < inf);
        }
        t = ok ? t : rejected;
        i4 slot = __builtin_convertvector(t, i4) + 1;
        slot = slot > last ? last : slot;
        std::memcpy(slots + i, &slot, sizeof slot);
    }
    for (int k = 0; k < 4; ++k) {
        below += static_cast<uint64_t>(bel[k]);
        above += static_cast<uint64_t>(abv[k]);
    }
    for (; i < n; ++i) {
        double x;
        std::memcpy(&x, p + 8 * i, sizeof x);
        slots[i] = scalarSlot(x, origin, factor, limit, bins, below, above);
    }
}

template <typename T> double loadAt(const unsigned char* p, size_t i)
{
    T x;
    std::memcpy(&x, p + sizeof(T) * i, sizeof x);
    return x;
}

} // namespace

void accumulateBlock(ElementType type, const unsigned char* data, size_t count, double minNormal, Moments& moments,
                     ClassCounts& classes, double* minAbsNonZero)
{
    const bool isFloat = type == ElementType::Float;
    const size_t size = isFloat ? 4 : 8;
    BlockSums s = isFloat ? floatSums(data, count, static_cast<float>(minNormal)) : doubleSums(data, count, minNormal);
    classes.zeros += s.zeros;
    classes.subnormal += s.subnormal;
    const unsigned char* finite = data;
    size_t finiteCount = count;
    // Rare: a block holding NaN/Inf is compacted so the vector loops above stay branch-free.
    if (s.finite != count) {
        struct FiniteCompaction;
        unsigned char* scratch = threadScratch<unsigned char, kStatsBlock * 8, FiniteCompaction>();
        finiteCount = 0;
        for (size_t i = 0; i < count; ++i) {
            const double x = isFloat ? loadAt<float>(data, i) : loadAt<double>(data, i);
            if (std::isnan(x))
                ++classes.nan;
            else if (x == HUGE_VAL)
                ++classes.posinf;
            else if (x == -HUGE_VAL)
                ++classes.neginf;
            else
                std::memcpy(scratch + size * finiteCount++, data + size * i, size);
        }
        finite = scratch;
        s = isFloat ? floatSums(finite, finiteCount, static_cast<float>(minNormal))
                    : doubleSums(finite, finiteCount, minNormal);
    }
    if (finiteCount == 0)
        return;
    const double mean = s.sum / static_cast<double>(finiteCount);
    const double m2 = isFloat ? floatM2(finite, finiteCount, mean) : doubleM2(finite, finiteCount, mean);
    moments.addBlock(finiteCount, s.sum, s.sumSq, m2, s.min, s.max);
    if (minAbsNonZero) {
        for (size_t i = 0; i < finiteCount; ++i) {
            const double ax = std::fabs(isFloat ? loadAt<float>(finite, i) : loadAt<double>(finite, i));
            if (ax > 0.0 && ax < *minAbsNonZero)
                *minAbsNonZero = ax;
        }
    }
}

namespace {

template <typename Count>
void binInto(ElementType type, const unsigned char* data, size_t count, const Binning& binning, Count* counts,
             uint64_t& below, uint64_t& above)
{
    if (binning.scale() == BinScale::Log) {
        for (size_t i = 0; i < count; ++i) {
            const double x = type == ElementType::Float ? loadAt<float>(data, i) : loadAt<double>(data, i);
            const int bin = binning.binOf(x);
            if (bin >= 0 && bin < binning.bins())
                ++counts[bin + 1];
            else if (bin == -1)
                ++below;
            else if (bin == binning.bins())
                ++above;
            else
                ++counts[0];
        }
        return;
    }
    const double limit = std::min(binning.limit(), kMaxBinPosition);
    // Only a user range has values below or above it: the data's own extent puts every finite value at t in
    // [0, bins], so counting them (a third of the vector loop) is skipped there.
    const bool outside = binning.limit() < HUGE_VAL;
    alignas(64) int32_t slots[kStatsBlock];
    if (type == ElementType::Float) {
        // The AVX-512 kernel does not count values below or above the range, which only a user range has.
        const size_t done = !outside && detail::statsAvx512()
                                ? detail::floatSlotsAvx512(data, count, binning.origin(), binning.factor(), limit,
                                                           binning.bins(), slots)
                                : 0;
        floatSlots(data + 4 * done, count - done, binning.origin(), binning.factor(), limit, outside, binning.bins(),
                   slots + done, below, above);
    } else
        doubleSlots(data, count, binning.origin(), binning.factor(), limit, outside, binning.bins(), slots, below,
                    above);
    scatter(slots, count, counts);
}

} // namespace

void binBlock(ElementType type, const unsigned char* data, size_t count, const Binning& binning, uint64_t* counts,
              uint64_t& below, uint64_t& above)
{
    binInto(type, data, count, binning, counts, below, above);
}

void binBlock(ElementType type, const unsigned char* data, size_t count, const Binning& binning, uint32_t* counts,
              uint64_t& below, uint64_t& above)
{
    binInto(type, data, count, binning, counts, below, above);
}

double smallestNormal(DType dtype)
{
    switch (dtype) {
    case DType::F16:
    case DType::F8_E5M2:
        return 0x1p-14;
    case DType::BF16:
    case DType::F32:
    case DType::C64:
        return FLT_MIN;
    case DType::F64:
        return DBL_MIN;
    case DType::F8_E4M3:
        return 0x1p-6;
    case DType::F8_E4M3FNUZ:
        return 0x1p-7;
    case DType::F8_E5M2FNUZ:
        return 0x1p-15;
    case DType::F6_E2M3:
    case DType::F4:
        return 1.0;
    case DType::F6_E3M2:
        return 0x1p-2;
    default:
        return 0.0;
    }
}

} // namespace safescope
