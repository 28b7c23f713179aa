#pragma once

#include "core/format/error.h"
#include "core/format/header.h"
#include "core/format/headerarena.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace safescope {

/// One weight_map entry: a tensor and the position of its shard in ShardIndex::shards. The name views the index's
/// arena (ShardIndex::names): 92,000 names as std::string were 92,000 heap blocks and their page faults.
struct WeightMapEntry
{
    std::string_view tensor;
    uint32_t shard = 0;
};

/// A parsed `*.safetensors.index*.json` (SPEC.md section 5): only structure is checked here; whether the
/// shards agree with it is the model builder's business.
struct ShardIndex
{
    QString path;                        ///< the index file
    std::vector<MetadataEntry> metadata; ///< the "metadata" object, values as compact JSON text
    std::optional<uint64_t> totalSize;   ///< metadata.total_size when it is a usable byte count
    std::string unusableTotalSize;       ///< metadata.total_size as JSON text when present but not a byte count
    /// File order. Shards are positions, not names: a name repeated per tensor was 92,000 strings for DeepSeek-V3.
    std::vector<WeightMapEntry> weightMap;
    std::shared_ptr<const HeaderArena> names; ///< the bytes behind weightMap's names
    std::vector<std::string> shards;          ///< distinct shard names, first-seen order
};

/// Called with each shard name the first time the weight_map names it, while the index is still being parsed.
using ShardNameFn = std::function<void(std::string_view shard)>;

/// Why a shard name is refused, or empty when it is a plain file name next to the index (SPEC.md section 5).
QString unsafeShardReason(std::string_view shard);

/// True for names such as model.safetensors.index.json or model.safetensors.index.fp16.json.
bool isShardIndexName(const QString& fileName);

/// Parses index JSON text; every problem is an InvalidIndex error whose message names `path`.
Result<ShardIndex> parseShardIndex(const QByteArray& json, const QString& path, const ShardNameFn& onShard = {});

/// Reads and parses an index file (IoError when it cannot be read).
Result<ShardIndex> readShardIndex(const QString& path, const ShardNameFn& onShard = {});

} // namespace safescope
