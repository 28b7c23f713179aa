#include "core/values/healthproblem.h"

#include <array>

namespace safescope {

namespace {
constexpr std::array<const char*, kHealthKindCount> kNames{"nan",          "inf",       "all_zero",   "constant",
                                                           "f16_overflow", "duplicate", "misaligned", "metadata"};
} // namespace

HealthSeverity HealthProblem::severity() const
{
    return defaultSeverity(kind);
}

const char* healthKindName(HealthKind kind)
{
    return kNames[static_cast<size_t>(kind)];
}

std::optional<HealthKind> healthKindFromName(std::string_view name)
{
    for (size_t i = 0; i < kNames.size(); ++i) {
        if (name == kNames[i])
            return static_cast<HealthKind>(i);
    }
    return std::nullopt;
}

const char* healthSeverityName(HealthSeverity severity)
{
    return severity == HealthSeverity::Error ? "error" : "warning";
}

HealthSeverity defaultSeverity(HealthKind kind)
{
    // Only values no computation can use are errors: everything else is legal in a healthy, fresh model.
    return kind == HealthKind::Nan || kind == HealthKind::Inf ? HealthSeverity::Error : HealthSeverity::Warning;
}

} // namespace safescope
