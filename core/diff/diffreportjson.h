#pragma once

#include "core/diff/modeldiff.h"

#include <nlohmann/json.hpp>

namespace safescope {

/// One pair as JSON: name, name_b (when a rule renamed it), status, dtype_a/b and shape_a/b (null when absent),
/// and, when the values were compared, max_abs, max_abs_index (flat), max_abs_position, mean_abs, rms, rel_l2,
/// cosine, beyond_tolerance, nan_mismatch, inf_mismatch, within_tolerance. NaN and infinities are the strings
/// "nan", "inf", "-inf" (JSON has no literal for them).
nlohmann::json tensorDiffJson(const TensorDiff& diff);

/// The summary: pairs, a count per status name, within_tolerance, compared, parameters_a/b, parameters_changed
/// (elements beyond tolerance), parameters_in_changed_tensors, metadata_changes, atol, rtol, equal.
nlohmann::json diffSummaryJson(const ModelDiff& diff, const DiffTolerance& tolerance);

/// {"added": {key: value}, "removed": {key: value}, "changed": {key: {"a": value, "b": value}}}
nlohmann::json metadataDiffJson(const MetadataDiff& diff);

/// The whole report: {"summary", "tensors", "metadata"}; the CLI's `diff --json` and the viewer's JSON export.
nlohmann::json diffReportJson(const ModelDiff& diff, const DiffTolerance& tolerance);

} // namespace safescope
