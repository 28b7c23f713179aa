#pragma once

#include "core/format/dtype.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace safescope {

class MappedFile;
class Model;

/// A read-only view of one tensor's bytes: what the value functions (stats, slices, downsampling) work on.
/// It does not own the bytes; keep the Model (or buffer) alive while the view is used.
struct TensorView
{
    DType dtype = DType::Unknown;
    std::vector<uint64_t> shape;
    uint64_t elementCount = 0;
    const unsigned char* data = nullptr;
    uint64_t byteSize = 0;
    /// The file the bytes are mapped from (null for a buffer): the value functions check it has not changed on disk
    /// once they have read the bytes, so a file rewritten meanwhile gives FileChanged, never mixed numbers.
    const MappedFile* source = nullptr;
};

/// The view of tensor `index` of a model.
TensorView viewOf(const Model& model, size_t index);

} // namespace safescope
