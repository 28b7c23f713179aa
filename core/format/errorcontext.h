#pragma once

#include "core/format/error.h"

#include <cstddef>

namespace safescope {

class Model;

/// Names where a data error happened. Kernels over a TensorView know neither the file nor the tensor; the caller
/// that does adds them here, so "the file changed on disk" reaches the user as "model.safetensors: FileChanged:
/// tensor 'w': ...". Fields already set are kept; Cancelled errors are returned unchanged (nothing to locate).
Error inTensor(Error error, const Model& model, size_t index);

} // namespace safescope
