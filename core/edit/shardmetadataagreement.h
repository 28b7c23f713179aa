#pragma once

#include "core/format/warning.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <string>
#include <vector>

namespace safescope {

class Model;

/// A `__metadata__` key on which the shards of one sharded model (or of one diffusers component) disagree: present
/// with different values, or missing in some. Shards are meant to carry the same metadata (the reference writers
/// put the same dict in every shard, and loaders read it from one shard only), so a disagreement usually means an
/// edit reached some shards and not others.
struct ShardMetadataDifference
{
    QString component; ///< diffusers component, empty at the top level
    std::string key;
    QStringList shards;                             ///< paths of the shards compared
    std::vector<std::optional<std::string>> values; ///< one per shard; nullopt where the key is missing

    /// "key 'k' differs between the 6 shards: \"3\" in model-00001-of-00006.safetensors; \"2\" in
    /// model-00002-of-00006.safetensors and 4 more"
    QString describe() const;
    /// As a warning (code "ShardMetadataDiffers") for the Problems page.
    Warning toWarning() const;
};

/// The keys the shards of `model` disagree on, in order of first appearance. Shards are compared within their
/// component; a plain folder of unrelated files (no index, no components) is not compared. Empty for one shard.
std::vector<ShardMetadataDifference> shardMetadataDifferences(const Model& model);

} // namespace safescope
