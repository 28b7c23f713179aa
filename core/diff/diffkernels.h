#pragma once

#include "core/values/statskernels.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

// The AVX2+FMA kernels need GCC/Clang target attributes and exist on x86-64 only; elsewhere only the portable
// kernels are built.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SAFESCOPE_DIFF_AVX2 1
#else
#define SAFESCOPE_DIFF_AVX2 0
#endif

namespace safescope {

/// A double sum with Neumaier compensation: block sums of a billion elements add up without drifting.
struct CompensatedSum
{
    double sum = 0.0;
    double compensation = 0.0;

    void add(double x)
    {
        const double t = sum + x;
        compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }
    void merge(const CompensatedSum& o)
    {
        add(o.sum);
        compensation += o.compensation;
    }
    double value() const { return sum + compensation; }
};

/// Partial results of comparing a range of element pairs; ranges merge in any order with the same result up to
/// rounding (callers merge in range order, so results are also reproducible run to run).
struct DiffSums
{
    uint64_t count = 0;
    uint64_t finite = 0; ///< pairs where both are finite: what the sums and the maximum cover
    uint64_t beyond = 0;
    uint64_t nanMismatch = 0;
    uint64_t infMismatch = 0;
    double maxAbs = -1.0; ///< -1 until a finite pair is seen
    uint64_t maxIndex = 0;
    CompensatedSum sumAbs, sumSq, sumSqA, sumSqB, dot;

    void merge(const DiffSums& o);
};

/// Elements per block of the diff kernels: two float blocks (32 KiB) stay in L1/L2 while they are read.
inline constexpr size_t kDiffBlock = 4096;

/// Which kernel diffBlock and diffBlockBf16 run: Best takes the AVX2+FMA one when the CPU has it, Portable the
/// baseline one, which the tests hold the fast one to.
enum class DiffKernel : uint8_t
{
    Best,
    Portable
};

/// Whether DiffKernel::Best runs the AVX2+FMA kernels on this machine (x86-64 with both features).
bool diffKernelHasAvx2();

/// Compares up to kDiffBlock pairs a[i], b[i] of one element type (float or double, any alignment; a decode buffer
/// or the mapping itself). `first` is the flat index of a[0], for the position of the maximum.
/// An element is beyond tolerance when |a - b| > atol + rtol * |b|, computed in double.
void diffBlock(ElementType type, const unsigned char* a, const unsigned char* b, size_t count, uint64_t first,
               double atol, double rtol, DiffSums& sums, DiffKernel kernel = DiffKernel::Best);

/// diffBlock for two BF16 blocks read in place (widened in registers, no decode buffer).
void diffBlockBf16(const unsigned char* a, const unsigned char* b, size_t count, uint64_t first, double atol,
                   double rtol, DiffSums& sums, DiffKernel kernel = DiffKernel::Best);

#if SAFESCOPE_DIFF_AVX2
namespace detail {

/// Element formats of the AVX2 kernels.
enum class Avx2Format : uint8_t
{
    Bf16,
    F32
};

/// The AVX2+FMA block kernel (diffkernelsavx2.cpp; call only when diffKernelHasAvx2()). Same contract as
/// diffBlock, except that a block holding NaN or Inf leaves `sums` untouched and returns false: the caller then
/// takes the portable path, which classifies the mismatches.
bool diffBlockAvx2(Avx2Format format, const unsigned char* a, const unsigned char* b, size_t count, uint64_t first,
                   double atol, double rtol, DiffSums& sums);

} // namespace detail
#endif

} // namespace safescope
