#pragma once

#include "core/statskernels.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

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

/// Compares up to kDiffBlock pairs a[i], b[i] of one element type (float or double, any alignment; a decode buffer
/// or the mapping itself). `first` is the flat index of a[0], for the position of the maximum.
/// An element is beyond tolerance when |a - b| > atol + rtol * |b|, computed in double.
void diffBlock(ElementType type, const unsigned char* a, const unsigned char* b, size_t count, uint64_t first,
               double atol, double rtol, DiffSums& sums);

/// diffBlock for two BF16 blocks read in place (widened in registers, no decode buffer).
void diffBlockBf16(const unsigned char* a, const unsigned char* b, size_t count, uint64_t first, double atol,
                   double rtol, DiffSums& sums);

} // namespace safescope
