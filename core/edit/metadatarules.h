#pragma once

#include "core/format/error.h"
#include "core/format/header.h"

#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// The `__metadata__` rules an editor enforces before anything is written: keys are non-empty, unique and not
/// "__metadata__"; keys and values are valid UTF-8 (values are strings by construction). The error names the key.
Status validateMetadata(const std::vector<MetadataEntry>& entries);

/// What an edit changes, for the summary shown before saving. Keys in the order of `after` (removed: `before`).
struct MetadataChanges
{
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> changed;
    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

MetadataChanges compareMetadata(const std::vector<MetadataEntry>& before, const std::vector<MetadataEntry>& after);

/// True when single-file metadata lacks "format": transformers refuses such a checkpoint (SPEC.md section 4).
bool lacksFormatKey(const std::optional<std::vector<MetadataEntry>>& metadata);

} // namespace safescope
