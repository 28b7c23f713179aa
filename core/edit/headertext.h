#pragma once

#include "core/format/header.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// Compact header JSON (unpadded) for a metadata edit: `__metadata__` first when `metadata` holds a list, then the
/// tensors of `header` in their file order with their data offsets unchanged. Keeping the offsets is what lets an
/// edit leave the data region byte for byte as it was, in place or copied verbatim. Extra fields the old header
/// had inside tensor objects (ignored by every reader) are not kept.
std::string headerTextKeepingLayout(const Header& header, const std::optional<std::vector<MetadataEntry>>& metadata);

} // namespace safescope
