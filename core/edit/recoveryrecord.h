#pragma once

#include "core/format/error.h"
#include "core/io/systemfile.h"
#include "core/text/format.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace safescope {

/// What a leftover recovery record says about its file (an in-place metadata save that did not finish).
enum class RecoveryState : uint8_t
{
    None,            ///< no record: nothing to do
    Unreadable,      ///< the record itself is torn (crash while writing it): the file was never touched; discard
    OriginalIntact,  ///< the file still has its old header: restore and discard give the same file
    NewHeaderIntact, ///< the new header is complete: discard keeps the edit, restore undoes it
    HeaderTorn,      ///< the header is half old, half new: only restoring gives a valid file
    FileReplaced     ///< the file is not the one the record was made for (other inode or size): restore refused
};

const char* recoveryStateName(RecoveryState state);

struct RecoveryInfo
{
    RecoveryState state = RecoveryState::None;
    QString filePath; ///< the file the save wrote (symbolic links resolved)
    QString recordPath;
    uint64_t headerBytes = 0; ///< 8 + N held by the record
    uint64_t recordSize = 0;  ///< bytes of the record file (0 without one)
    QStringList tempFiles;    ///< leftover ".<name>.safescope-*.tmp" of an interrupted rewrite (safe to delete)
    std::vector<uint64_t> tempFileSizes; ///< size of each of tempFiles, same order
    /// A save of the file is running now (it holds the file's lock): its record and temp file are not leftovers,
    /// so state is None and tempFiles is empty.
    bool saveInProgress = false;
    bool needsAttention() const { return state != RecoveryState::None || !tempFiles.isEmpty(); }
    uint64_t tempBytes() const;
    /// What is there, in words, with sizes: "an interrupted in-place save left a recovery record (the new header is
    /// complete); an interrupted rewrite left 1 temporary file (1.1 GiB)". Empty when nothing needs attention.
    QString describe() const;
};

/// What resolving a leftover does.
enum class RecoveryAction : uint8_t
{
    Restore, ///< put the recorded original header back (when the file has another), then clean up
    Discard  ///< keep the file as it is, remove the record and temporary files
};

/// The record of `path`: ".<name>.safescope-recovery" in the same folder (same file system, so it survives
/// whatever the file survives).
QString recoveryRecordPath(const QString& path);

/// Before an in-place header write: stores the file's first 8+N bytes (`oldBytes`), a hash of the bytes about to
/// be written, the file's inode and size (from `identity`, the file's fstat), and a checksum of everything, in one
/// write; syncs the record's bytes and its folder. Refuses when a record already exists (an earlier interrupted
/// save must be resolved first).
Status writeRecoveryRecord(const SystemFile& file, const platform::FileStatus& identity, const QByteArray& oldBytes,
                           const QByteArray& newBytes, const SaveHooks* hooks = nullptr);

/// Looks for a record (and leftover temp files) beside `path`; call on open. Nothing is reported while a save of
/// the file is running (see RecoveryInfo::saveInProgress).
RecoveryInfo inspectRecovery(const QString& path);

/// Resolves what inspectRecovery() finds beside `path` and says exactly what was done, e.g. "removed 1 temporary
/// file (1.1 GiB) left by an interrupted rewrite of 'm.safetensors'; the model was not changed" or "restored the
/// original header of 'm.safetensors' from its recovery record". Never claims a header was restored when none was
/// written back. Empty text when there was nothing to do. Takes the file's save lock first (waiting for a running
/// save to finish), so the files of a live save are never removed.
Result<QString> resolveRecovery(const QString& path, RecoveryAction action);

/// Writes the recorded header back (synced), then removes the record and any leftover temp files.
Status restoreRecovery(const QString& path);

/// Removes the record and leftover temp files, keeping the file as it is. Refused for HeaderTorn (the file would
/// stay invalid); restore instead.
Status discardRecovery(const QString& path);

/// Removes the record after a successful save (the file then has the new header); the folder is not synced.
Status removeRecoveryRecord(const QString& path, const SaveHooks* hooks = nullptr);

} // namespace safescope
