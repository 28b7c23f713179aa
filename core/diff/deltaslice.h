#pragma once

#include "core/format/error.h"
#include "core/values/downsample.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorview.h"

#include <atomic>
#include <cstdint>

namespace safescope {

/// Δ = A - B over a 2-D slice of two equally shaped tensors (the diff view's Δ heatmap and tables). Plain functions
/// over read-only views: no threads, no UI.
namespace deltaslice {

/// Why Δ of two views cannot be shown (a side missing, shapes differ, a dtype without real values); empty when it
/// can. Dtypes may differ (F32 against BF16): both sides are decoded to double first.
QString incompatibility(const TensorView& a, const TensorView& b);

/// Decodes the window [rowBegin, +rowCount) x [colBegin, +colCount) of the slice of A and of B, row-major, and
/// writes A - B to `delta` (rowCount * colCount doubles). `aOut` / `bOut` receive the decoded sides when not null.
Status extractWindow(const TensorView& a, const TensorView& b, const SliceSpec& spec, uint64_t rowBegin,
                     uint64_t rowCount, uint64_t colBegin, uint64_t colCount, double* delta, double* aOut = nullptr,
                     double* bOut = nullptr);

/// Reduces Δ over a window of the slice to at most outRows x outCols cells (see downsample() for the cell
/// boundaries), decoding A and B in row pieces on all cores. NaN differences are ignored by the reduction.
Result<Downsampled> downsample(const TensorView& a, const TensorView& b, const SliceSpec& spec, IndexRange rows,
                               IndexRange cols, uint64_t outRows, uint64_t outCols, Reduction reduction,
                               const std::atomic_bool& cancel, const ProgressFn& progress = {});

} // namespace deltaslice

} // namespace safescope
