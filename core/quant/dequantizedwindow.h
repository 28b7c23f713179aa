#pragma once

#include "core/format/error.h"
#include "core/values/tensorslice.h"

#include <cstdint>

namespace safescope {

class Dequantizer;

/// Rows [row0, row0 + rows) x columns [col0, col0 + cols) of a slice of a logical (quantized) tensor, dequantized
/// into `out` (row-major, rows * cols floats). A slice row whose columns are adjacent elements is one read;
/// otherwise (the row axis is the last one) each cell is. Shared by the slice table and its CSV export.
Status readDequantizedWindow(const Dequantizer& dequantizer, const SliceAddressing& addressing, uint64_t row0,
                             uint64_t rows, uint64_t col0, uint64_t cols, float* out);

} // namespace safescope
