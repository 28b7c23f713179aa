#pragma once

#include "core/export/dtypeconversion.h"
#include "core/format/error.h"
#include "core/export/exportplan.h"
#include "core/io/parallelchunks.h"

#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace safescope {

class Model;

/// The impact of a plan's dtype conversion, computed from the source values before anything is written.
struct ConversionPreview
{
    ConversionImpact total;
    std::vector<ConversionImpact> perTensor; ///< parallel to ExportPlan::tensors (empty impact when not converted)
};

Result<ConversionPreview> previewConversion(const Model& model, const ExportPlan& plan, const std::atomic_bool& cancel,
                                            const ProgressFn& progress = {});

struct ExportResult
{
    std::vector<QString> files;
    QString indexPath;
    uint64_t bytesWritten = 0;
    std::shared_ptr<const Model> model; ///< the output re-opened strictly (through the index when sharded)
};

/// Writes the plan: every output file is built under a temporary name beside its final one (unchanged tensors
/// copied with copy_file_range, adjacent ones in one call; converted ones in blocks), synced and validated; only
/// when all files (and the index) are complete are they renamed into place, the index last. Cancellation or a
/// failure removes the temporary files: no partial file ever appears under a final name. Finally the output is
/// re-opened as one model and checked against the plan.
Result<ExportResult> runExport(const Model& model, const ExportPlan& plan, const ExportOptions& options,
                               const std::atomic_bool& cancel, const ProgressFn& progress = {});

} // namespace safescope
