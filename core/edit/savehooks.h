#pragma once

#include <cstdint>
#include <functional>

namespace safescope {

/// The points between the durable steps of a save. Tests stop a save at each of them to prove that a crash there
/// leaves either the old or the new valid file.
enum class SaveStep : uint8_t
{
    RecordWritten,      ///< in place: recovery record written and synced, file untouched
    HeaderPartWritten,  ///< in place: first half of the new header written (a torn write)
    HeaderWritten,      ///< in place: whole header written and synced, record still present
    RecordRemoved,      ///< in place: record unlinked, directory not yet synced
    TempHeaderWritten,  ///< rewrite/export: temp file created, header written
    TempDataPartCopied, ///< rewrite/export: first block of tensor bytes copied
    TempSynced,         ///< rewrite/export: temp file complete and synced, not renamed
    Renamed,            ///< rewrite/export: renamed over the target, directory not yet synced
    JournalWritten,     ///< sharded edit: every new header / temp file ready, transaction journal durable
    ShardCommitted,     ///< sharded edit: one more shard has its new header (in place) or was renamed (rewrite)
    JournalRemoved      ///< sharded edit: every shard done, journal unlinked, folder not yet synced
};

const char* saveStepName(SaveStep step);

/// The system calls a save makes that a test may fail on purpose.
enum class IoOperation : uint8_t
{
    Create,
    Write,
    Copy,
    Allocate,
    Sync,
    Rename,
    Remove
};

/// Test seams; production code leaves both empty.
struct SaveHooks
{
    /// Called after each step; returning false stops the save right there without any cleanup, as a crash would.
    std::function<bool(SaveStep)> afterStep;
    /// Returns an errno (ENOSPC, EACCES, ...) to fail this operation with, or 0 to let it run.
    std::function<int(IoOperation)> injectFault;

    bool stepReached(SaveStep step) const { return !afterStep || afterStep(step); }
    int fault(IoOperation operation) const { return injectFault ? injectFault(operation) : 0; }
};

} // namespace safescope
