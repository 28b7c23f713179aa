#pragma once

#include "core/diff/diffsummary.h"
#include "core/diff/metadatadiff.h"
#include "core/diff/namemapper.h"
#include "core/diff/tensordiff.h"
#include "core/diff/valuediff.h"
#include "core/format/error.h"
#include "core/io/parallelchunks.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace safescope {

class Model;
struct QuantCatalog;

struct DiffOptions
{
    DiffTolerance tolerance; ///< default 0/0: equal means numerically equal
    NameMapper mapper;       ///< rewrites A's names into B's
    /// Each side's quantized weights (recogniseQuantized() on that side's Model object itself: a catalog's parts view
    /// its model's names), or null: those are compared by logical name as their
    /// dequantized values (the float original against its quantization gives the quantization error), and their
    /// stored parts leave the diff. Pairs of plain tensors take the usual paths unchanged.
    std::shared_ptr<const QuantCatalog> quantizedA;
    std::shared_ptr<const QuantCatalog> quantizedB;
};

/// The whole comparison of two models.
struct ModelDiff
{
    std::vector<TensorDiff> tensors; ///< in pair order (see pairTensors)
    DiffSummary summary;
    MetadataDiff metadata; ///< `__metadata__` of B against A

    /// Equal within tolerance: every pair, and the metadata.
    bool equal() const { return summary.tensorsEqual() && metadata.empty(); }
};

/// Called on the calling thread as each pair finishes, in pair order.
using TensorDiffFn = std::function<void(const TensorDiff&)>;

/// Compares two opened models (files, sharded indexes or folders, in any combination): pairs tensors by name,
/// classifies each pair and measures values, using all cores both inside large tensors and across small ones.
/// Progress is the fraction of tensor bytes done, reported after every pair (and within large ones).
/// Fails with InvalidArgument when name rules collide, Cancelled when `cancel` becomes true (pairs already
/// reported through `onTensor` stay valid).
Result<ModelDiff> diffModels(const Model& a, const Model& b, const DiffOptions& options, const std::atomic_bool& cancel,
                             const ProgressFn& progress = {}, const TensorDiffFn& onTensor = {});

} // namespace safescope
