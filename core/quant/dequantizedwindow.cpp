#include "core/quant/dequantizedwindow.h"

#include "core/quant/dequantizer.h"

namespace safescope {

Status readDequantizedWindow(const Dequantizer& dequantizer, const SliceAddressing& addressing, uint64_t row0,
                             uint64_t rows, uint64_t col0, uint64_t cols, float* out)
{
    for (uint64_t r = 0; r < rows; ++r) {
        const uint64_t first = addressing.base + (row0 + r) * addressing.rowStride + col0 * addressing.colStride;
        float* row = out + r * cols;
        if (addressing.colStride == 1 || cols == 1) {
            if (Status read = dequantizer.read(first, cols, row); !read)
                return read;
            continue;
        }
        for (uint64_t c = 0; c < cols; ++c) {
            if (Status read = dequantizer.read(first + c * addressing.colStride, 1, row + c); !read)
                return read;
        }
    }
    return Ok{};
}

} // namespace safescope
