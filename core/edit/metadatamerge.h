#pragma once

#include "core/format/header.h"

#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// A key both sides changed differently since the common base (nullopt: absent on that side).
struct MetadataConflict
{
    std::string key;
    std::optional<std::string> base;
    std::optional<std::string> mine;
    std::optional<std::string> theirs;
};

/// Which value a conflicting key takes in the merge.
enum class MergePolicy : uint8_t
{
    KeepTheirs, ///< the file's current value stays (the user did not confirm theirs away)
    TakeMine    ///< the user confirmed: their own value wins
};

struct MetadataMerge
{
    std::vector<MetadataEntry> merged;       ///< in the order of `theirs`, keys only the user added appended
    std::vector<MetadataConflict> conflicts; ///< in the order the keys appear in base, then mine, then theirs
    std::vector<std::string> changedOnDisk;  ///< keys whose value on disk differs from the base (kept unless mine)
};

/// Three-way merge of `__metadata__`: `base` as read, `mine` as edited, `theirs` as on disk now. Keys the user left
/// alone take the disk's value (or absence); keys the user set, removed or renamed apply on top; a key both changed
/// to different values is a conflict, resolved by `policy`.
MetadataMerge mergeMetadata(const std::vector<MetadataEntry>& base, const std::vector<MetadataEntry>& mine,
                            const std::vector<MetadataEntry>& theirs, MergePolicy policy = MergePolicy::KeepTheirs);

} // namespace safescope
