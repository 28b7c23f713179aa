#pragma once

#include "core/diff/modeldiff.h"

#include <atomic>
#include <cstdint>
#include <functional>

namespace safescope {

/// What a diff involving a remote model cost.
struct RemoteDiffCost
{
    size_t pairsBySha256 = 0;  ///< pairs found identical from published SHA-256 alone (no tensor bytes read)
    uint64_t bytesFetched = 0; ///< tensor bytes read from remote files (cache hits included)
};

/// Progress of a remote diff, on the diff's thread: the fraction of the pairs' tensor bytes dealt with (fetched and
/// compared, or found identical by SHA-256), and the tensor bytes fetched so far. `fraction` never decreases.
using RemoteDiffProgressFn = std::function<void(double fraction, uint64_t bytesFetched)>;

/// diffModels() for models of which one or both are remote, with the same pairing, classes and metrics. A pair
/// whose two tensors lie at the same offset of files with the same SHA-256 (the Hub's LFS oid; for a local file
/// the hash cache, else one hash of the file) is identical without reading a byte of it: "what did my fine-tune
/// change from the base?" transfers nothing for the files it did not touch. Other pairs are fetched one at a time
/// (memory: one pair) and compared by diffPair(). Quantized weights (options' catalogs) are compared by logical
/// name as their dequantized values, read from their stored parts fetched whole one weight at a time
/// (diffDequantizedPair()), so a remote quantization against its float original reports the quantization error.
Result<ModelDiff> diffRemoteModels(const Model& a, const Model& b, const DiffOptions& options,
                                   const std::atomic_bool& cancel, const RemoteDiffProgressFn& progress = {},
                                   const TensorDiffFn& onTensor = {}, RemoteDiffCost* cost = nullptr);

} // namespace safescope
