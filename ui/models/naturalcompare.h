#pragma once

#include <string_view>

namespace safescope {

/// Three-way "natural" comparison: runs of ASCII digits compare by numeric value, so "layers.2" < "layers.10".
/// Everything else compares byte-wise; numerically equal runs ("01" vs "1") fall back to the shorter first.
int naturalCompare(std::string_view a, std::string_view b);

inline bool naturalLess(std::string_view a, std::string_view b)
{
    return naturalCompare(a, b) < 0;
}

} // namespace safescope
