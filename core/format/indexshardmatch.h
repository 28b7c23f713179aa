#pragma once

#include "core/format/safetensorsfile.h"
#include "core/format/shardindex.h"

#include <memory>
#include <vector>

namespace safescope {

/// Whether every weight_map entry is in the shard it names and the shards hold nothing else, answered with one
/// small name table per shard (built in parallel, each small enough to stay in cache). It is the common case, and
/// it rules out every sharding warning, so the model-wide name table is then not needed at all. Shards that could
/// not be opened are left out: their tensors are reported once as absent.
bool indexMatchesShards(const ShardIndex& index, const std::vector<std::shared_ptr<const SafetensorsFile>>& files);

} // namespace safescope
