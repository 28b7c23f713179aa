#pragma once

#include "core/format/dtype.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// How a pair of same-named tensors differs. The first matching class wins, in this order: only in one model,
/// shape changed (no metrics: elements do not correspond), dtype changed (metrics when both decode to numbers),
/// identical bytes, values differ.
enum class DiffStatus : uint8_t
{
    OnlyInA,
    OnlyInB,
    ShapeChanged,
    DTypeChanged,
    Identical,
    ValuesDiffer
};

inline constexpr int kDiffStatusCount = 6;

/// "only_in_a", "only_in_b", "shape_changed", "dtype_changed", "identical", "values_differ" (CLI JSON, reports).
const char* diffStatusName(DiffStatus status);

/// Element-wise comparison of two equally shaped tensors, both decoded to numbers. Δ = a - b.
/// Sums run over the pairs where both values are finite; a NaN facing a NaN, or an infinity facing the same
/// infinity, counts as equal (numpy isclose with equal_nan); any other pair involving NaN/Inf is a mismatch.
struct DiffMetrics
{
    uint64_t count = 0; ///< elements compared
    /// Elements where both values are finite: what the sums cover. Identical pairs are not decoded (their metrics
    /// are exact zeros and cosine 1 without reading values), so there it equals count.
    uint64_t finitePairs = 0;
    double maxAbs = 0.0;                  ///< max |Δ|; 0 when nothing is finite
    uint64_t maxAbsIndex = 0;             ///< flat (row-major) index of the first element reaching maxAbs
    std::vector<uint64_t> maxAbsPosition; ///< the same index per dimension
    double meanAbs = 0.0;                 ///< mean |Δ|
    double rms = 0.0;                     ///< sqrt(mean Δ²)
    double relL2 = 0.0;                   ///< ‖Δ‖ / ‖A‖; 0 when both are 0, +inf when only A is 0
    double cosine = 1.0;                  ///< A·B / (‖A‖‖B‖); 1 when both are 0, NaN when only one is
    uint64_t beyondTolerance = 0;         ///< |a - b| > atol + rtol * |b|, plus every NaN/Inf mismatch
    uint64_t nanMismatch = 0;             ///< exactly one of a, b is NaN
    uint64_t infMismatch = 0;             ///< an infinity facing anything but the same infinity (NaN excluded)
};

/// The comparison of one pair. Names: `name` is A's (B's for OnlyInB); `nameB` is B's name when a rule changed it.
struct TensorDiff
{
    size_t pair = 0; ///< position in the diff's pair order
    std::string name;
    std::string nameB;
    std::optional<size_t> indexA; ///< Model::entries() index in A
    std::optional<size_t> indexB;
    DiffStatus status = DiffStatus::Identical;
    DType dtypeA = DType::Unknown;
    DType dtypeB = DType::Unknown;
    std::vector<uint64_t> shapeA;
    std::vector<uint64_t> shapeB;
    /// Present for every pair whose values were compared: identical, values_differ, and dtype_changed
    /// between numeric dtypes of the same shape.
    std::optional<DiffMetrics> metrics;
    /// The quantization scheme of a side read dequantized ("fp8", "mxfp4", ...), else empty; dtypeA/B are then
    /// its main stored part's dtype and shapeA/B the logical shape.
    std::string schemeA;
    std::string schemeB;
    /// Why a pair with values has no metrics (unknown dtype, complex against real), or how it was compared, for
    /// reports.
    std::string note;
    /// The metrics read one side with its last two dimensions swapped: a gpt-oss MXFP4 expert weight, which the
    /// reference dequantizes to [E, out, in], against the float tensor of the same (transformers) name, which is
    /// [E, in, out]. shapeA/B stay as each side has it; element-wise views (delta slice, delta histogram) must not
    /// pair elements by position.
    bool transposed = false;

    /// True when the pair counts as equal: identical bytes, or every element within tolerance.
    bool withinTolerance() const
    {
        return status == DiffStatus::Identical ||
               (metrics && metrics->beyondTolerance == 0 &&
                (status == DiffStatus::ValuesDiffer || status == DiffStatus::DTypeChanged));
    }
};

/// Row-major multi-index of a flat element index.
std::vector<uint64_t> unravelIndex(uint64_t flat, const std::vector<uint64_t>& shape);

} // namespace safescope
