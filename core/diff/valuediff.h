#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/diff/tensordiff.h"
#include "core/values/tensorview.h"
#include "core/io/viewreader.h"

#include <atomic>
#include <string>

namespace safescope {

/// When two values count as equal: |a - b| <= atol + rtol * |b| (numpy.isclose's rule, B the reference).
struct DiffTolerance
{
    double atol = 0.0;
    double rtol = 0.0;
};

/// Whether element-wise metrics can be computed between these dtypes; otherwise `why` says why not.
/// Any two known real dtypes can (integers, floats, bool, all decoded to numbers); C64 only against C64.
bool canCompareValues(DType a, DType b, std::string* why = nullptr);

/// Whether the two views hold the same bytes. Compares blocks of a few MiB on all cores when `parallel`, and stops
/// at the first difference. Fails only when cancelled.
Result<bool> sameBytes(const TensorView& a, const TensorView& b, const std::atomic_bool& cancel,
                       const ProgressPhase& progress = {}, bool parallel = true);
/// sameBytes() reading each side through its reader: cold mapped ranges are copied from the file.
Result<bool> sameBytes(const ViewReader& a, const ViewReader& b, const std::atomic_bool& cancel,
                       const ProgressPhase& progress = {}, bool parallel = true);

/// Element-wise metrics of two views with the same element count, in one pass: both sides are decoded block by block
/// (F32/F64 read in place) to float when that is exact for both dtypes, to double otherwise. On all cores when
/// `parallel`; results do not depend on the thread count. C64 pairs are compared as their real and imaginary parts
/// (two values per element; the maximum's index is still the element's). InvalidArgument when the dtypes cannot be
/// compared or the counts differ; Cancelled when cancelled.
Result<DiffMetrics> compareValues(const TensorView& a, const TensorView& b, const DiffTolerance& tolerance,
                                  const std::atomic_bool& cancel, const ProgressPhase& progress = {},
                                  bool parallel = true);
/// compareValues() reading each side through its reader: cold mapped ranges are copied from the file.
Result<DiffMetrics> compareValues(const ViewReader& a, const ViewReader& b, const DiffTolerance& tolerance,
                                  const std::atomic_bool& cancel, const ProgressPhase& progress = {},
                                  bool parallel = true);

/// Metrics of a byte-identical pair, without reading it: zeros, cosine 1.
DiffMetrics identicalMetrics(const TensorView& view);

} // namespace safescope
