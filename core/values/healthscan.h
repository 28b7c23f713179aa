#pragma once

#include "core/format/error.h"
#include "core/values/healthproblem.h"
#include "core/values/heldtensorbytes.h"

#include <atomic>
#include <cstdint>
#include <functional>

namespace safescope {

class Model;

/// Progress of a scan in bytes of tensor data read. Called from the scan's threads (any of them), never twice at
/// once; `done` never decreases and ends at `total`.
using HealthProgressFn = std::function<void(uint64_t done, uint64_t total)>;

/// The value health scan: ONE pass over every tensor of every shard, on all cores in chunks, that finds NaN and
/// Inf (count and first element), all-zero and constant tensors, finite values beyond F16's range (F32, F64, BF16),
/// byte-identical duplicate tensors, data offsets misaligned for their dtype, and a single file without the
/// "format" metadata key. Integers, BOOL and packed dtypes get only the checks that mean something for them
/// (all-zero, constant, duplicate, misaligned). Cancelled (ErrorKind::Cancelled) when `cancel` becomes true; a file
/// truncated or rewritten while it is read gives FileChanged naming the shard, never a wrong answer.
Result<HealthReport> scanHealth(const Model& model, const std::atomic_bool& cancel,
                                const HealthProgressFn& progress = {});

/// The same scan over a model whose tensors are not mapped (a remote model): one tensor at a time, its bytes from
/// `bytes` (fetched with several ranges in flight) and released before the next is asked for, so memory holds one
/// tensor's bytes (two while a duplicate is confirmed). The report equals the mapped scan's for the same bytes.
Result<HealthReport> scanHealth(const Model& model, const TensorBytesFn& bytes, const std::atomic_bool& cancel,
                                const HealthProgressFn& progress = {});

/// The findings that need no tensor bytes (misalignment, metadata): instant, for showing before a scan has run.
std::vector<HealthProblem> structuralHealthProblems(const Model& model);

} // namespace safescope
