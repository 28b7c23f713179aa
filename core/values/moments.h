#pragma once

#include "core/format/dtype.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace safescope {

/// Running moments of finite values, mergeable in any order (Chan et al.'s parallel update), so partial results
/// from blocks and threads combine without the cancellation error of sum-of-squares formulas.
struct Moments
{
    uint64_t n = 0;
    double mean = 0.0;
    double m2 = 0.0; ///< sum of squared deviations from the mean
    double sum = 0.0;
    double sumCompensation = 0.0; ///< Neumaier compensation of `sum`
    double sumSq = 0.0;
    double sumSqCompensation = 0.0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();

    /// Adds a block summarised by its count, sum, sum of squares, squared deviations from its own mean, min, max.
    void addBlock(uint64_t count, double blockSum, double blockSumSq, double blockM2, double blockMin, double blockMax)
    {
        if (count == 0)
            return;
        Moments b;
        b.n = count;
        b.mean = blockSum / static_cast<double>(count);
        b.m2 = blockM2;
        b.sum = blockSum;
        b.sumSq = blockSumSq;
        b.min = blockMin;
        b.max = blockMax;
        merge(b);
    }

    void merge(const Moments& o)
    {
        if (o.n == 0)
            return;
        if (n == 0) {
            *this = o;
            return;
        }
        const double na = static_cast<double>(n);
        const double nb = static_cast<double>(o.n);
        const double delta = o.mean - mean;
        const double total = na + nb;
        mean += delta * (nb / total);
        m2 += o.m2 + delta * delta * (na * nb / total);
        n += o.n;
        addCompensated(sum, sumCompensation, o.sum);
        sumCompensation += o.sumCompensation;
        addCompensated(sumSq, sumSqCompensation, o.sumSq);
        sumSqCompensation += o.sumSqCompensation;
        min = std::fmin(min, o.min);
        max = std::fmax(max, o.max);
    }

    double totalSum() const { return sum + sumCompensation; }
    double totalSumSq() const { return sumSq + sumSqCompensation; }
    double populationStd() const { return n ? std::sqrt(std::fmax(0.0, m2 / static_cast<double>(n))) : 0.0; }

    static void addCompensated(double& s, double& c, double x)
    {
        const double t = s + x;
        c += std::fabs(s) >= std::fabs(x) ? (s - t) + x : (x - t) + s;
        s = t;
    }
};

/// Counts of the special classes of values.
struct ClassCounts
{
    uint64_t zeros = 0;
    uint64_t nan = 0;
    uint64_t posinf = 0;
    uint64_t neginf = 0;
    uint64_t subnormal = 0;

    void merge(const ClassCounts& o)
    {
        zeros += o.zeros;
        nan += o.nan;
        posinf += o.posinf;
        neginf += o.neginf;
        subnormal += o.subnormal;
    }
};

/// The smallest positive normal value of a floating dtype (values below it, but not 0, are subnormal in that
/// format); 0 for integer, bool and F8_E8M0 (which has no subnormals).
double smallestNormal(DType dtype);

} // namespace safescope
