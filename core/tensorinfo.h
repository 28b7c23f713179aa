#pragma once

#include "core/dtype.h"

#include <cstdint>
#include <string>
#include <vector>

namespace safescope {

/// One tensor entry of a header. Offsets are relative to the start of the data region (SPEC.md section 1).
struct TensorInfo
{
    std::string name;           ///< UTF-8, exactly as in the header (may hold '/', '\0', non-ASCII)
    DType dtype = DType::Unknown;
    std::string unknownDType;   ///< the header's dtype text when dtype == Unknown (lenient open only)
    std::vector<uint64_t> shape;
    uint64_t begin = 0;         ///< data_offsets[0]
    uint64_t end = 0;           ///< data_offsets[1], exclusive
    uint64_t elementCount = 0;  ///< product of shape (1 for a 0-rank tensor)

    uint64_t byteSize() const { return end - begin; }
    size_t rank() const { return shape.size(); }
};

} // namespace safescope
