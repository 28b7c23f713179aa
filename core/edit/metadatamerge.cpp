#include "core/edit/metadatamerge.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace safescope {

namespace {

using Lookup = std::unordered_map<std::string, std::string>;

Lookup lookup(const std::vector<MetadataEntry>& entries)
{
    Lookup map;
    for (const MetadataEntry& entry : entries)
        map[entry.key] = entry.value; // a repeated key keeps its last value, as the parser does
    return map;
}

std::optional<std::string> find(const Lookup& map, const std::string& key)
{
    const auto it = map.find(key);
    return it == map.end() ? std::nullopt : std::optional<std::string>(it->second);
}

} // namespace

MetadataMerge mergeMetadata(const std::vector<MetadataEntry>& base, const std::vector<MetadataEntry>& mine,
                            const std::vector<MetadataEntry>& theirs, MergePolicy policy)
{
    const Lookup baseMap = lookup(base);
    const Lookup mineMap = lookup(mine);
    const Lookup theirsMap = lookup(theirs);

    // Every key any side knows, each once, in a stable order for the conflict list.
    std::vector<std::string> keys;
    std::unordered_set<std::string> seen;
    for (const auto* side : {&base, &mine, &theirs}) {
        for (const MetadataEntry& entry : *side) {
            if (seen.insert(entry.key).second)
                keys.push_back(entry.key);
        }
    }

    MetadataMerge result;
    Lookup resolved; // absent from the map: absent from the merge
    for (const std::string& key : keys) {
        const auto b = find(baseMap, key);
        const auto m = find(mineMap, key);
        const auto t = find(theirsMap, key);
        if (t != b)
            result.changedOnDisk.push_back(key);
        std::optional<std::string> value;
        if (m == b)
            value = t; // the user left it alone: the disk decides
        else if (t == b || t == m)
            value = m; // only the user changed it, or both made the same change
        else {
            result.conflicts.push_back({key, b, m, t});
            value = policy == MergePolicy::TakeMine ? m : t;
        }
        if (value)
            resolved[key] = *value;
    }

    // The disk's order is what another tool last wrote; keys it lacks follow in the user's order.
    std::unordered_set<std::string> placed;
    const auto place = [&](const std::vector<MetadataEntry>& side) {
        for (const MetadataEntry& entry : side) {
            const auto it = resolved.find(entry.key);
            if (it != resolved.end() && placed.insert(entry.key).second)
                result.merged.push_back({entry.key, it->second});
        }
    };
    place(theirs);
    place(mine);
    return result;
}

} // namespace safescope
