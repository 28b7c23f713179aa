#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/diff/tensordiff.h"
#include "core/values/tensorview.h"
#include "core/diff/valuediff.h"
#include "core/io/viewreader.h"

#include <atomic>

namespace safescope {

/// Classifies one pair (either reader null: only in the other model) and measures its values where they can be
/// compared, filling `diff`'s status, dtypes, shapes, metrics and note. Same dtype and shape: bytes first (equal
/// means identical, without decoding), metrics only when they differ. Fails only when cancelled.
Status diffPair(TensorDiff& diff, const ViewReader* a, const ViewReader* b, const DiffTolerance& tolerance,
                const std::atomic_bool& cancel, const ProgressPhase& progress = {}, bool parallel = true);

} // namespace safescope
