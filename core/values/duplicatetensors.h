#pragma once

#include "core/format/error.h"
#include "core/values/heldtensorbytes.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace safescope {

class Model;

/// Groups of byte-identical tensors (same dtype, shape and bytes), each in model order, from per-tensor hashes
/// computed while the values were read: tensors are only compared (memcmp) when dtype, shape, size and hash agree,
/// so the confirmation reads nothing but real duplicates. `hashes` has one entry per model tensor; nullopt entries
/// (empty or unreadable tensors) never match. Returns nullopt when cancelled or when the mapped bytes vanished
/// (the file was truncated): the caller tells which.
std::optional<std::vector<std::vector<size_t>>> findDuplicateTensors(const Model& model,
                                                                     const std::vector<std::optional<uint64_t>>& hashes,
                                                                     const std::atomic_bool& cancel);

/// The same for a model whose tensors are not mapped (remote): each comparison fetches the two tensors through
/// `bytes` (two tensors held at once, at most). `failure` gets the error when a fetch fails (nullopt returned).
std::optional<std::vector<std::vector<size_t>>>
findDuplicateTensors(const Model& model, const std::vector<std::optional<uint64_t>>& hashes, const TensorBytesFn& bytes,
                     const std::atomic_bool& cancel, std::optional<Error>& failure);

} // namespace safescope
