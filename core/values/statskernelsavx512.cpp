#include "core/values/statskernelsavx512.h"

#include "core/values/statskernels.h"
#include "core/values/vectorkernels.h"

#if SAFESCOPE_STATS_AVX512
// GCC 12's AVX-512 intrinsics fill their unused merge operand with _mm512_undefined_*(), a self-initialised
// variable that -Wuninitialized reports at the header's line: switched off for this file, whose own variables are
// each written before they are read (tst_tensorstats runs the kernel under the sanitizers).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace safescope::detail {

#if SAFESCOPE_STATS_AVX512

bool statsAvx512()
{
    static const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2");
    return supported;
}

// Eight floats a step against four in the AVX2 clone: the conversion to double, the position, both range tests
// (as mask registers, which also replace the AVX2 code's blend) and the truncation each take one instruction.
__attribute__((target("avx512f,avx2"))) size_t floatSlotsAvx512(const unsigned char* p, size_t n, double origin,
                                                                double factor, double limit, int bins, int32_t* slots)
{
    const __m512d o = _mm512_set1_pd(origin);
    const __m512d f = _mm512_set1_pd(factor);
    // Positions must convert to int32: binBlock caps the limit, and so does the kernel, to be safe alone.
    const __m512d lim = _mm512_set1_pd(limit < kMaxBinPosition ? limit : kMaxBinPosition);
    const __m512d zero = _mm512_setzero_pd();
    const __m512d rejected = _mm512_set1_pd(-1.0);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i last = _mm256_set1_epi32(bins);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        if (i % 16 == 0)
            vec::prefetchAhead(p + 4 * i);
        const __m512d x = _mm512_cvtps_pd(_mm256_loadu_ps(reinterpret_cast<const float*>(p + 4 * i)));
        const __m512d t = _mm512_mul_pd(_mm512_sub_pd(x, o), f);
        // Ordered compares: NaN fails both, as t >= 0 && t <= limit does in the scalar rule.
        const __mmask8 ok = _mm512_cmp_pd_mask(t, zero, _CMP_GE_OQ) & _mm512_cmp_pd_mask(t, lim, _CMP_LE_OQ);
        const __m256i truncated = _mm512_cvttpd_epi32(_mm512_mask_blend_pd(ok, rejected, t));
        const __m256i slot = _mm256_min_epi32(_mm256_add_epi32(truncated, one), last);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(slots + i), slot);
    }
    return i;
}

#else

bool statsAvx512()
{
    return false;
}

size_t floatSlotsAvx512(const unsigned char*, size_t, double, double, double, int, int32_t*)
{
    return 0;
}

#endif

} // namespace safescope::detail
