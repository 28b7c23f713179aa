#include "valuejson.h"

#include <cmath>

namespace safescope::cli {

nlohmann::json valueJson(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    return value;
}

} // namespace safescope::cli
