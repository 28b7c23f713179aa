// Hand-vectorised AVX2+FMA diff kernels. GCC's generic vector code for these loops (target_clones "avx2": no FMA,
// one accumulator per metric) is latency-bound and spills; here the squares run in two accumulator sets, BF16 is
// widened without shuffles, and finiteness comes free from the sums of squares. Built with per-function target
// attributes so the binary keeps the baseline x86-64 ISA; diffkernels.cpp calls in only when the CPU has AVX2 and
// FMA (about 2.8x the portable kernel's throughput on BF16 in cache on the development machine).
#include "core/diff/diffkernels.h"

#if SAFESCOPE_DIFF_AVX2

#include <cmath>
#include <cstring>
#include <immintrin.h>

#define ST_AVX2 __attribute__((target("avx2,fma")))
#define ST_AVX2_INLINE inline __attribute__((target("avx2,fma"), always_inline))

namespace safescope::detail {

namespace {

// Per-lane partial sums. Every metric is computed in double as the portable path does: |Δ| and the tolerance test
// are then bit-identical to it, so the counts and the maximum are exact; the sums differ from it only by rounding
// (FMA, lane order), far below the 1e-12 relative error the tests allow.
// The squares run in two independent sets, which halves their dependency chains through the FMA latency; |Δ|, the
// maximum and the tolerance count add a small tree per iteration instead, which keeps all accumulators in the 16
// AVX registers (spilled accumulators put a store and a reload on every chain).
struct Squares
{
    __m256d sumSq, sumSqA, sumSqB, dot;
};

struct Lanes
{
    Squares q0, q1;
    __m256d sumAbs, max;
    __m256i beyond;
};

struct Constants
{
    __m256d absMask, atol, rtol;
};

struct Block
{
    bool finite = true;
    uint64_t beyond = 0;
    double sumAbs = 0.0, sumSq = 0.0, sumSqA = 0.0, sumSqB = 0.0, dot = 0.0, maxAbs = 0.0;
};

ST_AVX2_INLINE void clear(Squares& q)
{
    q.sumSq = q.sumSqA = q.sumSqB = q.dot = _mm256_setzero_pd();
}

ST_AVX2_INLINE void clear(Lanes& s)
{
    clear(s.q0);
    clear(s.q1);
    s.sumAbs = s.max = _mm256_setzero_pd();
    s.beyond = _mm256_setzero_si256();
}

// The portable path rounds rtol * |b| before adding atol; a fused multiply-add (which GCC may form from a multiply
// and an add when FMA is enabled) would move the tolerance boundary by an ulp, so the product is pinned in a
// register first.
ST_AVX2_INLINE __m256d limitOf(const __m256d& absB, const Constants& c)
{
    __m256d scaled = _mm256_mul_pd(c.rtol, absB);
    asm("" : "+x"(scaled));
    return _mm256_add_pd(c.atol, scaled);
}

inline double limitOf(double absB, double atol, double rtol)
{
    double scaled = rtol * absB;
    asm("" : "+x"(scaled));
    return atol + scaled;
}

ST_AVX2_INLINE __m256d low(const __m256& x)
{
    return _mm256_cvtps_pd(_mm256_castps256_ps128(x));
}

ST_AVX2_INLINE __m256d high(const __m256& x)
{
    return _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
}

// Four pairs: their squares go into q; |Δ| is returned and the tolerance mask (all ones where beyond) set.
template <bool WithRtol>
ST_AVX2_INLINE __m256d group(Squares& q, const __m256d& a, const __m256d& b, const Constants& c, __m256i& over)
{
    const __m256d d = _mm256_sub_pd(a, b);
    q.sumSq = _mm256_fmadd_pd(d, d, q.sumSq);
    q.sumSqA = _mm256_fmadd_pd(a, a, q.sumSqA);
    q.sumSqB = _mm256_fmadd_pd(b, b, q.sumSqB);
    q.dot = _mm256_fmadd_pd(a, b, q.dot);
    const __m256d e = _mm256_and_pd(d, c.absMask);
    __m256d limit = c.atol;
    if constexpr (WithRtol)
        limit = limitOf(_mm256_and_pd(b, c.absMask), c);
    over = _mm256_castpd_si256(_mm256_cmp_pd(e, limit, _CMP_GT_OQ));
    return e;
}

// Sixteen pairs as four groups of four doubles.
template <bool WithRtol>
ST_AVX2_INLINE void accumulate(Lanes& s, const __m256& a0, const __m256& b0, const __m256& a1, const __m256& b1,
                               const Constants& c)
{
    __m256i o0, o1, o2, o3;
    const __m256d e0 = group<WithRtol>(s.q0, low(a0), low(b0), c, o0);
    const __m256d e1 = group<WithRtol>(s.q1, low(a1), low(b1), c, o1);
    const __m256d e2 = group<WithRtol>(s.q0, high(a0), high(b0), c, o2);
    const __m256d e3 = group<WithRtol>(s.q1, high(a1), high(b1), c, o3);
    s.sumAbs = _mm256_add_pd(s.sumAbs, _mm256_add_pd(_mm256_add_pd(e0, e1), _mm256_add_pd(e2, e3)));
    s.max = _mm256_max_pd(s.max, _mm256_max_pd(_mm256_max_pd(e0, e1), _mm256_max_pd(e2, e3)));
    // A true comparison is all ones, -1 as an integer.
    s.beyond = _mm256_sub_epi64(s.beyond, _mm256_add_epi64(_mm256_add_epi64(o0, o1), _mm256_add_epi64(o2, o3)));
}

ST_AVX2_INLINE double sum(const __m256d& x)
{
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(x), _mm256_extractf128_pd(x, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

ST_AVX2_INLINE double maximum(const __m256d& x)
{
    const __m128d pair = _mm_max_pd(_mm256_castpd256_pd128(x), _mm256_extractf128_pd(x, 1));
    return _mm_cvtsd_f64(_mm_max_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

ST_AVX2_INLINE uint64_t count(const __m256i& x)
{
    alignas(32) uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), x);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

template <Avx2Format F> double loadScalar(const unsigned char* p, size_t i)
{
    if constexpr (F == Avx2Format::Bf16) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, sizeof h);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        float x;
        std::memcpy(&x, &bits, sizeof x);
        return x;
    } else {
        float x;
        std::memcpy(&x, p + 4 * i, sizeof x);
        return x;
    }
}

// Eight consecutive elements as floats, in order (for the position of the maximum).
template <Avx2Format F> ST_AVX2_INLINE __m256 loadOrdered(const unsigned char* p, size_t i)
{
    if constexpr (F == Avx2Format::Bf16) {
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
    } else {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(p + 4 * i));
    }
}

template <Avx2Format F, bool WithRtol>
ST_AVX2 Block blockSums(const unsigned char* pa, const unsigned char* pb, size_t n, double atol, double rtol)
{
    const Constants c{_mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL)), _mm256_set1_pd(atol),
                      _mm256_set1_pd(rtol)};
    Lanes s;
    clear(s);
    size_t i = 0;
    if constexpr (F == Avx2Format::Bf16) {
        const __m256i upper = _mm256_set1_epi32(static_cast<int32_t>(0xffff0000u));
        for (; i + 16 <= n; i += 16) {
            const __m256i ra = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pa + 2 * i));
            const __m256i rb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pb + 2 * i));
            // A 32-bit word holds an even element in its low half and an odd one in its high half: a shift and a
            // mask widen both to float without a shuffle. The sums do not care about the order.
            accumulate<WithRtol>(
                s, _mm256_castsi256_ps(_mm256_slli_epi32(ra, 16)), _mm256_castsi256_ps(_mm256_slli_epi32(rb, 16)),
                _mm256_castsi256_ps(_mm256_and_si256(ra, upper)), _mm256_castsi256_ps(_mm256_and_si256(rb, upper)), c);
        }
    } else {
        for (; i + 16 <= n; i += 16) {
            const float* fa = reinterpret_cast<const float*>(pa) + i;
            const float* fb = reinterpret_cast<const float*>(pb) + i;
            accumulate<WithRtol>(s, _mm256_loadu_ps(fa), _mm256_loadu_ps(fb), _mm256_loadu_ps(fa + 8),
                                 _mm256_loadu_ps(fb + 8), c);
        }
    }
    Block r;
    r.sumAbs = sum(s.sumAbs);
    r.sumSq = sum(_mm256_add_pd(s.q0.sumSq, s.q1.sumSq));
    r.sumSqA = sum(_mm256_add_pd(s.q0.sumSqA, s.q1.sumSqA));
    r.sumSqB = sum(_mm256_add_pd(s.q0.sumSqB, s.q1.sumSqB));
    r.dot = sum(_mm256_add_pd(s.q0.dot, s.q1.dot));
    r.maxAbs = maximum(s.max);
    r.beyond = count(s.beyond);
    for (; i < n; ++i) {
        const double a = loadScalar<F>(pa, i);
        const double b = loadScalar<F>(pb, i);
        const double d = a - b;
        const double e = std::fabs(d);
        r.sumAbs += e;
        r.sumSq += d * d;
        r.sumSqA += a * a;
        r.sumSqB += b * b;
        r.dot += a * b;
        r.maxAbs = std::fmax(r.maxAbs, e);
        r.beyond += e > limitOf(std::fabs(b), atol, rtol);
    }
    // No per-element finiteness test: a NaN or Inf in a or b makes its lane's sum of squares NaN or +Inf for good
    // (the terms are never negative, so Inf cannot cancel), while finite floats square to at most 1.2e77, so the
    // sums of any block stay finite exactly when every element was.
    r.finite = std::isfinite(r.sumSqA) && std::isfinite(r.sumSqB);
    return r;
}

// First element whose |Δ| equals the block's maximum, computed exactly as blockSums did.
template <Avx2Format F> ST_AVX2 size_t argMax(const unsigned char* pa, const unsigned char* pb, size_t n, double max)
{
    const __m256d absMask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256d target = _mm256_set1_pd(max);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 a = loadOrdered<F>(pa, i);
        const __m256 b = loadOrdered<F>(pb, i);
        const __m256d eLow = _mm256_and_pd(_mm256_sub_pd(low(a), low(b)), absMask);
        const __m256d eHigh = _mm256_and_pd(_mm256_sub_pd(high(a), high(b)), absMask);
        const int hits = _mm256_movemask_pd(_mm256_cmp_pd(eLow, target, _CMP_EQ_OQ)) |
                         (_mm256_movemask_pd(_mm256_cmp_pd(eHigh, target, _CMP_EQ_OQ)) << 4);
        if (hits != 0)
            return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(hits)));
    }
    for (; i < n; ++i) {
        if (std::fabs(loadScalar<F>(pa, i) - loadScalar<F>(pb, i)) == max)
            return i;
    }
    return 0;
}

template <Avx2Format F>
Block blockSums(const unsigned char* pa, const unsigned char* pb, size_t n, double atol, double rtol)
{
    // Without a relative tolerance the limit is atol for every element (atol + 0 * |b| is atol exactly).
    return rtol != 0.0 ? blockSums<F, true>(pa, pb, n, atol, rtol) : blockSums<F, false>(pa, pb, n, atol, rtol);
}

} // namespace

bool diffBlockAvx2(Avx2Format format, const unsigned char* a, const unsigned char* b, size_t count, uint64_t first,
                   double atol, double rtol, DiffSums& sums)
{
    const bool bf16 = format == Avx2Format::Bf16;
    const Block r = bf16 ? blockSums<Avx2Format::Bf16>(a, b, count, atol, rtol)
                         : blockSums<Avx2Format::F32>(a, b, count, atol, rtol);
    if (!r.finite)
        return false;
    sums.count += count;
    sums.finite += count;
    sums.beyond += r.beyond;
    sums.sumAbs.add(r.sumAbs);
    sums.sumSq.add(r.sumSq);
    sums.sumSqA.add(r.sumSqA);
    sums.sumSqB.add(r.sumSqB);
    sums.dot.add(r.dot);
    // Strictly greater: on a tie the earlier block keeps the maximum, as element-by-element scanning would.
    if (count > 0 && r.maxAbs > sums.maxAbs) {
        sums.maxAbs = r.maxAbs;
        sums.maxIndex = first + (bf16 ? argMax<Avx2Format::Bf16>(a, b, count, r.maxAbs)
                                      : argMax<Avx2Format::F32>(a, b, count, r.maxAbs));
    }
    return true;
}

} // namespace safescope::detail

#endif // SAFESCOPE_DIFF_AVX2
