#pragma once

#include "core/format/error.h"
#include "core/values/tensorview.h"

#include <QString>

#include <cstdint>
#include <span>
#include <vector>

namespace safescope {

/// A 2-D slice of an N-D tensor: two free axes (rows, columns) and a fixed index on every other axis.
/// One free axis gives a single column; none gives a single cell.
struct SliceSpec
{
    std::vector<uint64_t> index; ///< one entry per axis; the entries of free axes are ignored
    int rowDim = -1;             ///< axis along the rows, -1 for a single row
    int colDim = -1;             ///< axis along the columns, -1 for a single column

    bool operator==(const SliceSpec&) const = default;
};

/// Where element (row, col) of a slice lives: base + row * rowStride + col * colStride (in elements).
struct SliceAddressing
{
    uint64_t base = 0;
    uint64_t rowStride = 0;
    uint64_t colStride = 0;
    uint64_t rows = 1;
    uint64_t cols = 1;
};

/// The last two axes free, others at 0 (1-D: one column; 0-D: one cell).
SliceSpec defaultSliceSpec(std::span<const uint64_t> shape);

/// Parses a Python-like index "3,:,:" (one item per axis, ':' for at most two free axes, negative indices
/// counting from the end, "" for a 0-D tensor). Errors are InvalidArgument naming the offending item.
Result<SliceSpec> parseSliceSpec(const QString& text, std::span<const uint64_t> shape);

/// The text form of a spec ("3,:,:").
QString formatSliceSpec(const SliceSpec& spec);

/// Checks a spec against a shape and returns its addressing.
Result<SliceAddressing> sliceAddressing(const SliceSpec& spec, std::span<const uint64_t> shape);

/// Decodes the window [rowBegin, +rowCount) x [colBegin, +colCount) of a slice, row-major, into `out`
/// (rowCount * colCount doubles); reads only those elements. C64 gives the real part.
Status extractWindow(const TensorView& view, const SliceSpec& spec, uint64_t rowBegin, uint64_t rowCount,
                     uint64_t colBegin, uint64_t colCount, double* out);

/// The raw codes of the same window (for hex display).
Status rawBitsWindow(const TensorView& view, const SliceSpec& spec, uint64_t rowBegin, uint64_t rowCount,
                     uint64_t colBegin, uint64_t colCount, uint64_t* out);

} // namespace safescope
