#pragma once

#include "core/format/dtype.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace safescope {

/// One tensor entry of a header. Offsets are relative to the start of the data region (SPEC.md section 1).
/// The name and the shape are views into the owning Header's arena (HeaderArena): a TensorInfo is valid while
/// its Header (or a copy of it) lives. 64 bytes, so a million-tensor header costs 64 MB less than with owning strings.
struct TensorInfo
{
    std::string_view name;           ///< UTF-8, exactly as in the header (may hold '/', '\0', non-ASCII)
    std::span<const uint64_t> shape; ///< empty for a 0-rank tensor
    uint64_t begin = 0;              ///< data_offsets[0]
    uint64_t end = 0;                ///< data_offsets[1], exclusive
    uint64_t elementCount = 0;       ///< product of shape (1 for a 0-rank tensor)
    DType dtype = DType::Unknown;
    /// Length of the header's dtype text when dtype == Unknown (lenient opens only); the arena keeps that text
    /// right after the name, which costs nothing for the tensors whose dtype is known.
    uint32_t unknownDTypeSize = 0;

    uint64_t byteSize() const { return end - begin; }
    size_t rank() const { return shape.size(); }
    /// The header's dtype text of a tensor whose dtype is Unknown; empty otherwise.
    std::string_view unknownDType() const { return {name.data() + name.size(), unknownDTypeSize}; }
};

} // namespace safescope
