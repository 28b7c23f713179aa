#pragma once

#include "core/format/header.h"

#include <vector>

namespace safescope {

/// Recognises the writer's key order from the tensors in file order (SPEC.md sections 4 and 7).
WriterLayout detectWriterLayout(const std::vector<TensorInfo>& tensors);

/// The reference writer's order: descending dtype, then ascending name (byte-wise).
bool referenceWriterLess(const TensorInfo& a, const TensorInfo& b);

} // namespace safescope
