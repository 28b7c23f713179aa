#pragma once

#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// What the value health scan (scanHealth()) can find. The names are the CLI's JSON kinds.
enum class HealthKind : uint8_t
{
    Nan,
    Inf,
    AllZero,
    Constant,
    F16Overflow, ///< finite values beyond F16's range (|x| > 65504): a cast to F16 turns them into Inf
    Duplicate,   ///< byte-identical to another tensor (same dtype, shape and bytes)
    Misaligned,  ///< data offset not a multiple of the element size: readers must copy
    Metadata
};

inline constexpr int kHealthKindCount = 8;

enum class HealthSeverity : uint8_t
{
    Warning,
    Error
};

/// One finding of the scan. Errors are what makes a checkpoint unusable (NaN, Inf); the rest are warnings, since a
/// freshly initialised model (all-ones norm weights, tied embeddings) legitimately shows them.
struct HealthProblem
{
    HealthKind kind = HealthKind::Nan;
    std::optional<size_t> tensor;       ///< index into the Model; nullopt for model-wide findings (metadata)
    std::string tensorName;             ///< qualified name, empty without a tensor
    uint64_t count = 0;                 ///< offending elements (nan, inf, f16_overflow), elements, or copies
    std::optional<uint64_t> firstIndex; ///< flat (row-major) index of the first offending element
    QString detail;                     ///< one plain sentence

    HealthSeverity severity() const;
};

/// What one scan found, problems ordered by tensor (model order), then kind.
struct HealthReport
{
    std::vector<HealthProblem> problems;
    uint64_t tensorsScanned = 0;
    uint64_t bytesScanned = 0;
};

/// "nan", "inf", "all_zero", "constant", "f16_overflow", "duplicate", "misaligned", "metadata".
const char* healthKindName(HealthKind kind);
std::optional<HealthKind> healthKindFromName(std::string_view name);
/// "error" or "warning".
const char* healthSeverityName(HealthSeverity severity);
HealthSeverity defaultSeverity(HealthKind kind);

} // namespace safescope
