#pragma once

#include "core/format/error.h"
#include "core/diff/namemapper.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

class Model;
struct QuantCatalog;

/// Two tensors that a diff compares: same name in B's spelling. One side is missing for added/removed tensors.
struct TensorPair
{
    std::optional<size_t> a; ///< Model::entries() index in A
    std::optional<size_t> b;
    std::string nameA; ///< A's qualified name (empty when only in B)
    std::string nameB; ///< B's spelling: the mapped A name, or B's own name when only in B
    /// Set when that side is a quantized weight read dequantized: index into the side's QuantCatalog::tensors
    /// (`a`/`b` then hold its main stored part, and the names are the logical ones).
    std::optional<size_t> logicalA;
    std::optional<size_t> logicalB;
};

/// Pairs A's tensors with B's by qualified name after rewriting A's names with `mapper`. Order: A's entries in
/// A's order (so data is read front to back), then B's unpaired entries in B's order. InvalidArgument when the
/// rules map two of A's names onto the same name.
Result<std::vector<TensorPair>> pairTensors(const Model& a, const Model& b, const NameMapper& mapper);

/// Folds each side's quantized weights into their logical tensors (either catalog may be null): a main stored
/// part becomes the logical tensor under its logical name, companions (scales, zero points) leave the diff, and a
/// logical tensor then pairs with the other side's tensor of the same name (a float original against its
/// quantization: gpt-oss's `_blocks` against the original `gate_up_proj`). Order kept, B-only pairs merged away.
/// A weight quantized the same way on both sides (same scheme and part names) keeps its stored pairs, so two
/// revisions of one quantized model compare as today (identical bytes, fast paths).
std::vector<TensorPair> foldQuantized(std::vector<TensorPair> pairs, const Model& a, const Model& b,
                                      const QuantCatalog* quantA, const QuantCatalog* quantB, const NameMapper& mapper);

} // namespace safescope
