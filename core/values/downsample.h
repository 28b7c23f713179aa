#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/values/tensorslice.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace safescope {

/// How the source cells under one output cell are combined. NaN is ignored by both (a cell of only NaN is NaN).
enum class Reduction : uint8_t
{
    Mean,  ///< mean of the values
    MaxAbs ///< the value of largest magnitude, sign kept (the first one on ties, in row-major order)
};

/// A half-open range of slice rows or columns.
struct IndexRange
{
    uint64_t begin = 0;
    uint64_t count = 0;
};

/// A downsampled 2-D slice. Output row i covers source rows [begin + i * count / rows, begin + (i + 1) * count / rows)
/// (integer division); columns likewise.
struct Downsampled
{
    uint64_t rows = 0;
    uint64_t cols = 0;
    std::vector<double> values; ///< rows * cols, row-major
};

/// The first source row/column covered by output cell `i` of `out` cells over `range` (i == out gives the end).
uint64_t downsampleBoundary(const IndexRange& range, uint64_t out, uint64_t i);

/// Decodes `width` values of slice row `row` from slice column `col` into `out`; false when the mapped file shrank
/// underneath (the caller's window is already validated, so nothing else can fail).
using RowPieceReader = std::function<bool(uint64_t row, uint64_t col, uint64_t width, double* out)>;

/// The reduction behind downsample(), over any source of decoded rows: one tensor's slice, or the difference of two
/// (the diff view). Rows are read in pieces of bounded width on all cores; `read` is called concurrently.
Result<Downsampled> downsampleRows(IndexRange rows, IndexRange cols, uint64_t outRows, uint64_t outCols,
                                   Reduction reduction, const std::atomic_bool& cancel, const ProgressFn& progress,
                                   const RowPieceReader& read);

/// Reduces a window of a slice to at most outRows x outCols cells (fewer when the window is smaller), decoding the
/// window in row pieces on all cores.
Result<Downsampled> downsample(const TensorView& view, const SliceSpec& spec, IndexRange rows, IndexRange cols,
                               uint64_t outRows, uint64_t outCols, Reduction reduction, const std::atomic_bool& cancel,
                               const ProgressFn& progress = {});

} // namespace safescope
