#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/values/tensorview.h"

#include <atomic>
#include <cstdint>
#include <vector>

namespace safescope {

/// How often every code of a dtype of <= 16 bits occurs in a tensor: exact statistics and any histogram follow
/// from it without reading the tensor again.
struct PatternCounts
{
    DType dtype = DType::Unknown;
    std::vector<uint64_t> counts; ///< 2^bits entries, indexed by the element's raw code
};

/// True for the dtypes the exact path handles (all of 16 bits or fewer).
bool hasPatternPath(DType dtype);

/// Counts every code in one pass over the bytes, on all cores, without decoding. The view must hold the bytes of
/// elementCount elements of a dtype for which hasPatternPath() holds.
Result<PatternCounts> countPatterns(const TensorView& view, const std::atomic_bool& cancel,
                                    const ProgressPhase& progress);

/// The decoded value of every code of a <= 16-bit dtype, by the project's codec.
std::vector<double> codeValues(DType dtype);

} // namespace safescope
