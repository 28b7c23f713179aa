#include "core/diff/diffkernels.h"

#include "core/values/vectorkernels.h"

#include <cfloat>
#include <cmath>
#include <cstring>

namespace safescope {

namespace {

using namespace vec;

// Plain sums of one block, all pairs assumed finite; `finite` tells the caller whether that held.
struct BlockSums
{
    uint64_t finite = 0;
    uint64_t beyond = 0;
    double sumAbs = 0.0, sumSq = 0.0, sumSqA = 0.0, sumSqB = 0.0, dot = 0.0;
    double maxAbs = 0.0;

    /// One pair the vector lanes did not take (a block's tail): skipped unless both are finite.
    void addPair(double a, double b, double atol, double rtol)
    {
        if (!std::isfinite(a) || !std::isfinite(b))
            return;
        ++finite;
        const double d = a - b;
        sumAbs += std::fabs(d);
        sumSq += d * d;
        sumSqA += a * a;
        sumSqB += b * b;
        dot += a * b;
        maxAbs = std::fmax(maxAbs, std::fabs(d));
        beyond += std::fabs(d) > atol + rtol * std::fabs(b);
    }
};

// Helpers take vectors by reference and are always inlined: a by-value AVX vector in a function compiled for the
// baseline ISA would change its calling convention (GCC warns, -Wpsabi).
#define ST_INLINE inline __attribute__((always_inline))

constexpr int64_t kAbsMask = 0x7fffffffffffffffLL;

// The common body: Δ and the products in double, so float inputs lose nothing and the tolerance test is exact.
struct Lanes
{
    d4 sumAbs = {}, sumSq = {}, sumSqA = {}, sumSqB = {}, dot = {}, max = {};
    l4 beyond = {};

    ST_INLINE void add(const d4& a, const d4& b, const d4& atol, const d4& rtol)
    {
        const l4 mask = l4{} + kAbsMask;
        const d4 d = a - b;
        const d4 e = (d4)((l4)d & mask);
        sumAbs += e;
        sumSq += d * d;
        sumSqA += a * a;
        sumSqB += b * b;
        dot += a * b;
        max = e > max ? e : max;
        beyond -= e > atol + rtol * (d4)((l4)b & mask);
    }

    ST_INLINE BlockSums reduce() const
    {
        BlockSums r;
        for (int k = 0; k < 4; ++k) {
            r.sumAbs += sumAbs[k];
            r.sumSq += sumSq[k];
            r.sumSqA += sumSqA[k];
            r.sumSqB += sumSqB[k];
            r.dot += dot[k];
            r.maxAbs = std::fmax(r.maxAbs, max[k]);
            r.beyond += static_cast<uint64_t>(beyond[k]);
        }
        return r;
    }
};

ST_KERNEL BlockSums floatBlock(const unsigned char* pa, const unsigned char* pb, size_t n, double atol, double rtol)
{
    const d4 at = d4{} + atol;
    const d4 rt = d4{} + rtol;
    const f4 big = f4{} + FLT_MAX;
    const i4 absMask = i4{} + 0x7fffffff;
    Lanes lanes;
    i4 finite = {};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        f4 a, b;
        std::memcpy(&a, pa + 4 * i, sizeof a);
        std::memcpy(&b, pb + 4 * i, sizeof b);
        finite -= ((f4)((i4)a & absMask) <= big) & ((f4)((i4)b & absMask) <= big);
        const d4 da = __builtin_convertvector(a, d4);
        const d4 db = __builtin_convertvector(b, d4);
        lanes.add(da, db, at, rt);
    }
    BlockSums r = lanes.reduce();
    for (int k = 0; k < 4; ++k)
        r.finite += static_cast<uint32_t>(finite[k]);
    for (; i < n; ++i) {
        float a, b;
        std::memcpy(&a, pa + 4 * i, sizeof a);
        std::memcpy(&b, pb + 4 * i, sizeof b);
        r.addPair(a, b, atol, rtol); // floats widen exactly: the same sums as the lanes
    }
    return r;
}

ST_KERNEL BlockSums doubleBlock(const unsigned char* pa, const unsigned char* pb, size_t n, double atol, double rtol)
{
    const d4 at = d4{} + atol;
    const d4 rt = d4{} + rtol;
    const d4 big = d4{} + DBL_MAX;
    const l4 mask = l4{} + kAbsMask;
    Lanes lanes;
    l4 finite = {};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        d4 a, b;
        std::memcpy(&a, pa + 8 * i, sizeof a);
        std::memcpy(&b, pb + 8 * i, sizeof b);
        finite -= ((d4)((l4)a & mask) <= big) & ((d4)((l4)b & mask) <= big);
        lanes.add(a, b, at, rt);
    }
    BlockSums r = lanes.reduce();
    for (int k = 0; k < 4; ++k)
        r.finite += static_cast<uint64_t>(finite[k]);
    for (; i < n; ++i) {
        double a, b;
        std::memcpy(&a, pa + 8 * i, sizeof a);
        std::memcpy(&b, pb + 8 * i, sizeof b);
        r.addPair(a, b, atol, rtol);
    }
    return r;
}

// BF16 is the top half of a float: widening in registers skips a decode buffer's store and reload, which is a
// quarter of the work for the commonest checkpoint dtype. The scalar tail is left to the caller.
ST_KERNEL BlockSums bf16Block(const unsigned char* pa, const unsigned char* pb, size_t n, double atol, double rtol)
{
    const d4 at = d4{} + atol;
    const d4 rt = d4{} + rtol;
    const f4 big = f4{} + FLT_MAX;
    const i4 absMask = i4{} + 0x7fffffff;
    Lanes lanes;
    i4 finite = {};
    for (size_t i = 0; i + 4 <= n; i += 4) {
        h4 ra, rb;
        std::memcpy(&ra, pa + 2 * i, sizeof ra);
        std::memcpy(&rb, pb + 2 * i, sizeof rb);
        const f4 a = (f4)(__builtin_convertvector(ra, u4) << 16);
        const f4 b = (f4)(__builtin_convertvector(rb, u4) << 16);
        finite -= ((f4)((i4)a & absMask) <= big) & ((f4)((i4)b & absMask) <= big);
        const d4 da = __builtin_convertvector(a, d4);
        const d4 db = __builtin_convertvector(b, d4);
        lanes.add(da, db, at, rt);
    }
    BlockSums r = lanes.reduce();
    for (int k = 0; k < 4; ++k)
        r.finite += static_cast<uint32_t>(finite[k]);
    return r;
}

void widenBf16(const unsigned char* p, size_t n, float* out)
{
    for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, sizeof h);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(out + i, &bits, sizeof bits);
    }
}

void addBlockSums(const BlockSums& s, DiffSums& sums)
{
    sums.finite += s.finite;
    sums.beyond += s.beyond;
    sums.sumAbs.add(s.sumAbs);
    sums.sumSq.add(s.sumSq);
    sums.sumSqA.add(s.sumSqA);
    sums.sumSqB.add(s.sumSqB);
    sums.dot.add(s.dot);
}

template <typename T> double loadAt(const unsigned char* p, size_t i)
{
    T x;
    std::memcpy(&x, p + sizeof(T) * i, sizeof x);
    return x;
}

// Blocks holding NaN or Inf (rare) take this element-by-element path, which also classifies the mismatches.
template <typename T>
void scalarBlock(const unsigned char* pa, const unsigned char* pb, size_t n, uint64_t first, double atol, double rtol,
                 DiffSums& sums)
{
    for (size_t i = 0; i < n; ++i) {
        const double a = loadAt<T>(pa, i);
        const double b = loadAt<T>(pb, i);
        if (std::isnan(a) || std::isnan(b)) {
            const bool mismatch = std::isnan(a) != std::isnan(b);
            sums.nanMismatch += mismatch;
            sums.beyond += mismatch;
            continue;
        }
        if (std::isinf(a) || std::isinf(b)) {
            const bool mismatch = a != b;
            sums.infMismatch += mismatch;
            sums.beyond += mismatch;
            continue;
        }
        const double d = a - b;
        const double e = std::fabs(d);
        ++sums.finite;
        sums.sumAbs.add(e);
        sums.sumSq.add(d * d);
        sums.sumSqA.add(a * a);
        sums.sumSqB.add(b * b);
        sums.dot.add(a * b);
        sums.beyond += e > atol + rtol * std::fabs(b);
        if (e > sums.maxAbs) {
            sums.maxAbs = e;
            sums.maxIndex = first + i;
        }
    }
}

// First element of an all-finite block whose |Δ| equals the block's maximum (computed exactly as the kernel did).
template <typename T> size_t argMax(const unsigned char* pa, const unsigned char* pb, size_t n, double max)
{
    for (size_t i = 0; i < n; ++i) {
        if (std::fabs(loadAt<T>(pa, i) - loadAt<T>(pb, i)) == max)
            return i;
    }
    return 0;
}

} // namespace

void DiffSums::merge(const DiffSums& o)
{
    count += o.count;
    finite += o.finite;
    beyond += o.beyond;
    nanMismatch += o.nanMismatch;
    infMismatch += o.infMismatch;
    // Ties keep the lower index, so the result names the first maximum whatever the merge order.
    if (o.maxAbs > maxAbs || (o.maxAbs == maxAbs && o.maxIndex < maxIndex)) {
        maxAbs = o.maxAbs;
        maxIndex = o.maxIndex;
    }
    sumAbs.merge(o.sumAbs);
    sumSq.merge(o.sumSq);
    sumSqA.merge(o.sumSqA);
    sumSqB.merge(o.sumSqB);
    dot.merge(o.dot);
}

bool diffKernelHasAvx2()
{
#if SAFESCOPE_DIFF_AVX2
    // The CPU model is read once; __builtin_cpu_supports also checks that the OS saves the AVX registers.
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }();
    return has;
#else
    return false;
#endif
}

void diffBlock(ElementType type, const unsigned char* a, const unsigned char* b, size_t count, uint64_t first,
               double atol, double rtol, DiffSums& sums, DiffKernel kernel)
{
    const bool isFloat = type == ElementType::Float;
#if SAFESCOPE_DIFF_AVX2
    if (isFloat && kernel == DiffKernel::Best && diffKernelHasAvx2() &&
        detail::diffBlockAvx2(detail::Avx2Format::F32, a, b, count, first, atol, rtol, sums))
        return;
#else
    (void)kernel;
#endif
    const BlockSums s = isFloat ? floatBlock(a, b, count, atol, rtol) : doubleBlock(a, b, count, atol, rtol);
    sums.count += count;
    if (s.finite < count) {
        // Sums of a block with NaN/Inf are polluted: redo it element by element.
        isFloat ? scalarBlock<float>(a, b, count, first, atol, rtol, sums)
                : scalarBlock<double>(a, b, count, first, atol, rtol, sums);
        return;
    }
    addBlockSums(s, sums);
    // Finding the index costs a second look at the block, needed only when the running maximum rises: after the
    // first blocks of a tensor that is rare.
    if (count > 0 && s.maxAbs > sums.maxAbs) {
        sums.maxAbs = s.maxAbs;
        sums.maxIndex =
            first + (isFloat ? argMax<float>(a, b, count, s.maxAbs) : argMax<double>(a, b, count, s.maxAbs));
    }
}

void diffBlockBf16(const unsigned char* a, const unsigned char* b, size_t count, uint64_t first, double atol,
                   double rtol, DiffSums& sums, DiffKernel kernel)
{
#if SAFESCOPE_DIFF_AVX2
    // Blocks with NaN or Inf (rare) fall through to the portable path below, which classifies the mismatches.
    if (kernel == DiffKernel::Best && diffKernelHasAvx2() &&
        detail::diffBlockAvx2(detail::Avx2Format::Bf16, a, b, count, first, atol, rtol, sums))
        return;
#else
    (void)kernel;
#endif
    if (count % 4 == 0) {
        const BlockSums s = bf16Block(a, b, count, atol, rtol);
        if (s.finite == count && !(count > 0 && s.maxAbs > sums.maxAbs)) {
            sums.count += count;
            addBlockSums(s, sums);
            return;
        }
    }
    // NaN/Inf, a new maximum whose index is needed, or a ragged tail: widen and take the float path (rare).
    alignas(64) float fa[kDiffBlock];
    alignas(64) float fb[kDiffBlock];
    widenBf16(a, count, fa);
    widenBf16(b, count, fb);
    diffBlock(ElementType::Float, reinterpret_cast<const unsigned char*>(fa),
              reinterpret_cast<const unsigned char*>(fb), count, first, atol, rtol, sums, DiffKernel::Portable);
}

} // namespace safescope
