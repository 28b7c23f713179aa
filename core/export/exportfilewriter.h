#pragma once

#include "core/export/exportplan.h"
#include "core/format/error.h"
#include "core/io/atomicfilewriter.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace safescope {

class Model;

/// Writes one output file of an export under its temporary name: header in the reference layout, then each
/// tensor's bytes (copied verbatim, or converted), then fsync and strict validation. Leaves the rename to the caller
/// so that a multi-file export appears all at once.
class ExportFileWriter final
{
public:
    /// `advance(bytes)` is called as tensor bytes are written; returning false cancels.
    using AdvanceFn = std::function<bool(uint64_t bytes)>;

    /// `cancel` also interrupts a read of a remote tensor that is under way (it is checked between blocks too).
    ExportFileWriter(const Model& model, const ExportPlan& plan, const ExportOptions& options, AdvanceFn advance,
                     const std::atomic_bool* cancel = nullptr);

    /// Builds file `fileIndex` of the plan; on success the returned writer holds the synced, validated temp file.
    Result<std::unique_ptr<AtomicFileWriter>> write(uint32_t fileIndex);

private:
    struct CopyRun
    {
        uint32_t shard = 0;
        uint64_t sourceOffset = 0;
        uint64_t targetOffset = 0;
        uint64_t length = 0;
    };

    Status flush(CopyRun& run, SystemFile& target);
    Status convert(const ExportTensor& tensor, SystemFile& target, uint64_t targetOffset);
    Status produce(const ExportTensor& tensor, SystemFile& target, uint64_t targetOffset);
    Result<const SystemFile*> source(uint32_t shard);
    bool blockDone(uint64_t bytes);

    const Model& m_model;
    const ExportPlan& m_plan;
    const ExportOptions& m_options;
    AdvanceFn m_advance;
    const std::atomic_bool* m_cancel;
    std::vector<std::unique_ptr<SystemFile>> m_sources; ///< opened on first use, per source shard
    bool m_firstBlock = true;
    bool m_stoppedByHook = false;
};

} // namespace safescope
