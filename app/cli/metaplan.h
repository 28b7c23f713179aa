#pragma once

#include "core/edit/metadataedit.h"
#include "core/edit/metadatarules.h"
#include "core/edit/metadatasaver.h"
#include "core/format/model.h"

#include <QString>
#include <nlohmann/json.hpp>

#include <vector>

namespace safescope::cli {

/// What a save of one file would do, worked out without writing: the save summary `meta --dry-run` prints.
struct PlannedSave
{
    QString path;
    SavePlan plan; ///< in place or rewrite, header and file sizes: core's own decision (planHeaderSave)
    MetadataChanges changes;
};

/// One plan per shard of `model`, decided by the function the save itself follows (planHeaderSave), so the dry
/// run's method and sizes are the save's.
std::vector<PlannedSave> planSaves(const Model& model, const MetadataEdit& edit, const MetadataSaveOptions& options);

/// "would save rewrite: PATH (header 1,024 -> 1,088 bytes, file 9,216 -> 9,280 bytes); removed: a; added: c"
QString describePlan(const PlannedSave& plan);
nlohmann::json planJson(const PlannedSave& plan);

} // namespace safescope::cli
