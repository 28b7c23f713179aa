#pragma once

#include "core/error.h"
#include "core/posixfile.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <sys/stat.h>

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
    QString filePath;
    QString recordPath;
    uint64_t headerBytes = 0; ///< 8 + N held by the record
    QStringList tempFiles;    ///< leftover ".<name>.safescope-*.tmp" of an interrupted rewrite (safe to delete)
    bool needsAttention() const { return state != RecoveryState::None || !tempFiles.isEmpty(); }
};

/// The record of `path`: ".<name>.safescope-recovery" in the same folder (same file system, so it survives
/// whatever the file survives).
QString recoveryRecordPath(const QString& path);

/// Before an in-place header write: stores the file's first 8+N bytes (`oldBytes`), a hash of the bytes about to
/// be written, the file's inode and size (from `identity`, the file's fstat), and a checksum of everything, in one
/// write; syncs the record's bytes and its folder. Refuses when a record already exists (an earlier interrupted
/// save must be resolved first).
Status writeRecoveryRecord(const PosixFile& file, const struct stat& identity, const QByteArray& oldBytes,
                           const QByteArray& newBytes, const SaveHooks* hooks = nullptr);

/// Looks for a record (and leftover temp files) beside `path`; call on open.
RecoveryInfo inspectRecovery(const QString& path);

/// Writes the recorded header back (synced), then removes the record and any leftover temp files.
Status restoreRecovery(const QString& path);

/// Removes the record and leftover temp files, keeping the file as it is. Refused for HeaderTorn (the file would
/// stay invalid); restore instead.
Status discardRecovery(const QString& path);

/// Removes the record after a successful save (the file then has the new header); the folder is not synced.
Status removeRecoveryRecord(const QString& path, const SaveHooks* hooks = nullptr);

} // namespace safescope
