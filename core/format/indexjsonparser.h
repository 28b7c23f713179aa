#pragma once

#include "core/format/jsoncursor.h"
#include "core/format/shardindex.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace safescope {

/// One pass over the text of a `*.safetensors.index*.json` (SPEC.md section 5) with the header parser's strict
/// cursor: the weight_map is read straight into (tensor, shard) pairs, in file order, with no DOM. A DOM of an 8 MB
/// DeepSeek-V3 index as nlohmann::ordered_json cost seconds, because each insertion searched the keys before it.
/// The "metadata" value is only delimited here (it is small; ShardIndex parses it). Input must be valid UTF-8 and
/// free of NUL bytes, as for the cursor.
class IndexJsonParser final : private JsonCursor
{
public:
    /// `onShard`, when set, hears each shard name the first time an entry names it, as the parse goes.
    IndexJsonParser(const char* json, size_t size, ShardNameFn onShard = {});

    /// Checks the grammar of the whole text; false with failureMessage() when it is not valid JSON.
    bool parse();

    using JsonCursor::failureMessage;
    using JsonCursor::failurePosition;

    /// What the top level is when it is not an object ("an array"), else empty; parse() then returned true.
    std::string_view topLevelType() const { return m_topLevelType; }
    bool hasMetadata() const { return m_metadataBegin != nullptr; }
    /// The raw text of the last "metadata" value (a repeated key replaces the earlier one, as JSON DOMs do).
    std::string_view metadataText() const;
    bool hasWeightMap() const { return m_weightMapType != nullptr; }
    /// "an object" when weight_map is one, else what it is.
    const char* weightMapType() const { return m_weightMapType; }
    /// The weight_map's string entries in file order. A tensor listed twice keeps its first place and its last
    /// value, as an ordered JSON map does.
    std::vector<WeightMapEntry>& entries() { return m_entries; }
    /// The arena the entries' names live in.
    std::shared_ptr<HeaderArena> names() const { return m_names; }
    /// The shard names the entries refer to, in first-seen order.
    std::vector<std::string>& shards() { return m_shards; }
    /// The first entry whose value is not a string: its key and raw value text (parse() still succeeds).
    const std::string& badEntryKey() const { return m_badKey; }
    std::string_view badEntryValue() const { return m_badValue; }
    bool hasBadEntry() const { return m_hasBadEntry; }

private:
    bool parseWeightMap();
    void removeDuplicates();
    uint32_t shardOrdinal(std::string_view name);

    const char* m_metadataBegin = nullptr;
    const char* m_metadataEnd = nullptr;
    const char* m_weightMapType = nullptr;
    std::string_view m_topLevelType;
    ShardNameFn m_onShard;
    std::vector<WeightMapEntry> m_entries;
    std::shared_ptr<HeaderArena> m_names = std::make_shared<HeaderArena>();
    std::vector<std::string> m_shards;
    std::unordered_map<std::string, uint32_t> m_shardOrdinals;
    uint32_t m_lastShard = UINT32_MAX;
    bool m_hasBadEntry = false;
    std::string m_badKey;
    std::string_view m_badValue;
};

} // namespace safescope
