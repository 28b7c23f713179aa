#pragma once

#include <nlohmann/json.hpp>

namespace safescope::cli {

/// A double for JSON: finite values as numbers, NaN and infinities as the strings "nan", "inf", "-inf"
/// (JSON has no literal for them).
nlohmann::json valueJson(double value);

} // namespace safescope::cli
