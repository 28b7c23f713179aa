#pragma once

#include "core/error.h"
#include "core/namemapper.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

class Model;

/// Two tensors that a diff compares: same name in B's spelling. One side is missing for added/removed tensors.
struct TensorPair
{
    std::optional<size_t> a; ///< Model::entries() index in A
    std::optional<size_t> b;
    std::string nameA; ///< A's qualified name (empty when only in B)
    std::string nameB; ///< B's spelling: the mapped A name, or B's own name when only in B
};

/// Pairs A's tensors with B's by qualified name after rewriting A's names with `mapper`. Order: A's entries in
/// A's order (so data is read front to back), then B's unpaired entries in B's order. InvalidArgument when the
/// rules map two of A's names onto the same name.
Result<std::vector<TensorPair>> pairTensors(const Model& a, const Model& b, const NameMapper& mapper);

} // namespace safescope
