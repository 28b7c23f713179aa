#pragma once

#include "core/format/error.h"
#include "core/edit/metadataedit.h"
#include "core/edit/metadatasaver.h"

#include <vector>

namespace safescope {

class Model;

/// Applies `edit` to every shard of `model` (each shard's own metadata as it is on disk) as one transaction: all
/// shards get the edit or none does, even when the process is killed at any point. See ShardJournal
/// (shardjournal.h) for the protocol and the recovery. Every shard is locked for the whole save; with
/// options.expectedShards, every shard is checked before anything is written. Shards whose edit fits are written in
/// place, the others rewritten (all temporary files are complete and synced before the first shard changes).
/// options.outputPath must be empty.
Result<std::vector<MetadataSaveResult>> saveShardsAsOneTransaction(const Model& model, const MetadataEdit& edit,
                                                                   const MetadataSaveOptions& options);

} // namespace safescope
