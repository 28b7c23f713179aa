#pragma once

#include "core/format/error.h"

#include <QString>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace safescope::test {

/// The shape of a DeepSeek-V3-like mixture-of-experts checkpoint. The defaults are DeepSeek-V3's own (61 layers, the
/// first 3 dense, 256 routed experts + 1 shared, FP8 E4M3 weights with F32 128x128 block scales, 163 shards): about
/// 92,000 tensors and 680 GB, which exist only as sparse files.
struct MoeCheckpointSpec
{
    int layers = 61;
    int denseLayers = 3;
    int experts = 256;
    int shards = 163;
    uint64_t hidden = 7168;
    uint64_t expertIntermediate = 2048;
    uint64_t denseIntermediate = 18432;
    uint64_t vocab = 129280;
    bool fp8 = true;           ///< FP8 weights with weight_scale_inv block scales; BF16 otherwise
    bool compactIndex = false; ///< no indentation: a million-tensor index then stays under the 100 MB limit
};

/// What was written: the index path and the weight_map in index order (tensor, shard file name).
struct MoeCheckpoint
{
    QString indexPath;
    std::vector<std::pair<std::string, std::string>> weightMap;
};

/// Every tensor name of `spec` in model order, with its dtype name and shape (a pure function, no I/O).
struct MoeTensor
{
    std::string name;
    bool f32 = false; ///< F32 (weight_scale_inv, the router bias); else FP8 for matrices when spec.fp8, BF16 otherwise
    std::vector<uint64_t> shape;
};
std::vector<MoeTensor> moeTensors(const MoeCheckpointSpec& spec);

/// Writes the checkpoint into `dir`: each shard's header is built by the project's writer (buildHeader), followed by
/// a hole as long as the tensors' data (ftruncate), so 680 GB cost a few MB of disk. Shards are filled in model
/// order, an equal share of tensors each; the index lists tensors sorted by name, as transformers writes it.
Result<MoeCheckpoint> writeMoeCheckpoint(const QString& dir, const MoeCheckpointSpec& spec);

} // namespace safescope::test
