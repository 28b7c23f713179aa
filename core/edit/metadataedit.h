#pragma once

#include "core/format/header.h"

#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// An edit expressed as operations, so one edit can be applied to files whose metadata differ (every shard of a
/// checkpoint, or the CLI's --set/--unset/--clear).
struct MetadataEdit
{
    bool clear = false;             ///< start from no keys instead of the file's
    std::vector<std::string> unset; ///< keys to remove (absent keys are ignored)
    std::vector<MetadataEntry> set; ///< keys to add (appended) or replace (keeping their position)

    bool isEmpty() const { return !clear && unset.empty() && set.empty(); }

    /// The metadata after the edit; nullopt (write no `__metadata__` at all) when no key is left.
    std::optional<std::vector<MetadataEntry>> apply(const std::vector<MetadataEntry>& current) const;
};

} // namespace safescope
