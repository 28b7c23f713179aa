#pragma once

#include "core/format/dtype.h"

#include <cstddef>
#include <cstdint>

namespace safescope {

/// What converting values to a narrower dtype does to them, counted before anything is written.
struct ConversionImpact
{
    uint64_t values = 0;          ///< elements converted
    uint64_t overflowToInf = 0;   ///< finite values that became +-inf (F16, BF16, F8_E5M2)
    uint64_t saturated = 0;       ///< values clamped to the largest finite value (F8_E4M3, which has no inf)
    uint64_t underflowToZero = 0; ///< non-zero finite values that became zero
    uint64_t nanValues = 0;       ///< NaN in the source (kept as NaN)
    double maxAbsError = 0;       ///< over values whose result is finite
    double maxRelError = 0;       ///< |error| / |value| over non-zero finite values with a finite result

    void merge(const ConversionImpact& other);
};

/// The conversions export offers: F32, F16 and BF16 to each other and to F8_E4M3 / F8_E5M2.
bool isConvertible(DType from, DType to);

/// Converts `count` elements (unaligned memory is fine) with round-to-nearest-even; F8_E4M3 saturates to +-448
/// (inf included), the others overflow to +-inf; NaN stays NaN. Counts the impact when `impact` is not null.
void convertElements(DType from, const unsigned char* source, DType to, unsigned char* target, size_t count,
                     ConversionImpact* impact);

} // namespace safescope
