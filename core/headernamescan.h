#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace safescope {

/// The tensor names of a header's JSON text, in file order, found by a quick scan that validates nothing and
/// decides nothing: it gives up (nullopt) on anything but plain keys (a key with an escape, text that does not look
/// like one JSON object, nesting past 64 levels). Its only use is a head start: the viewer builds the first step of
/// the tensor tree from these names on one core while the strict parser reads the same header on the other, and
/// keeps that step only if the parsed model has exactly these names. Never reads outside `json`.
std::optional<std::vector<std::string_view>> scanTensorNames(std::string_view json);

} // namespace safescope
