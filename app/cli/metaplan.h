#pragma once

#include "core/metadataedit.h"
#include "core/metadatarules.h"
#include "core/metadatasaver.h"
#include "core/model.h"

#include <QString>
#include <nlohmann/json.hpp>

#include <vector>

namespace safescope::cli {

/// What a save of one file would do, worked out without writing: the save summary `meta --dry-run` prints.
struct PlannedSave
{
    QString path;
    SaveMethod method = SaveMethod::InPlace;
    uint64_t oldHeaderLength = 0;
    uint64_t newHeaderLength = 0; ///< before any --reserve padding
    MetadataChanges changes;
};

/// One plan per shard of `model`, deciding in place or rewrite as saveMetadata() does (the new header fits in the
/// old N and neither a rewrite nor a Save As was asked for).
std::vector<PlannedSave> planSaves(const Model& model, const MetadataEdit& edit, const MetadataSaveOptions& options);

/// "would save in-place: PATH (header 1,024 -> 1,024 bytes); removed: a, b; added: c; changed: d"
QString describePlan(const PlannedSave& plan);
nlohmann::json planJson(const PlannedSave& plan);

} // namespace safescope::cli
