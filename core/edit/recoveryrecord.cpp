#include "core/edit/recoveryrecord.h"

#include "core/edit/headeroverwrite.h"
#include "core/edit/recoveryrecordformat.h"
#include "core/edit/savelock.h"
#include "core/edit/savetarget.h"
#include "core/format/folderentries.h"
#include "core/format/headerparser.h"
#include "core/io/atomicfilewriter.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/io/wholefile.h"
#include "core/text/format.h"

#include <QDir>
#include <QFileInfo>
#include <QtEndian>

#include <optional>

namespace safescope {

namespace {

// The file a save of `path` wrote: records and temp files are beside it, not beside a link to it.
QString savedFile(const QString& path)
{
    auto target = resolveSaveTarget(path);
    return target ? *target : path;
}

uint64_t sizeOf(const QString& path)
{
    const auto status = pathStatus(path, platform::FollowLinks::No);
    return status ? status->size : 0;
}

// Matched on the names as bytes (folderEntryNames): QDir name filters built from a file name are wildcards, which a
// '[' or a name that is not UTF-8 breaks, and then nothing is found.
void findTempFiles(RecoveryInfo& info)
{
    const QFileInfo file(info.filePath);
    const QString folder = file.absolutePath();
    auto names = folderEntryNames(folder);
    if (!names)
        return;
    const QString prefix = QStringLiteral(".") + file.fileName() + QStringLiteral(".safescope-");
    const QLatin1StringView suffix(".tmp");
    constexpr qsizetype kRandomPart = 6; // mkostemps' XXXXXX
    names->sort();
    for (const QString& name : *names) {
        if (name.size() == prefix.size() + kRandomPart + suffix.size() && name.startsWith(prefix) &&
            name.endsWith(suffix)) {
            info.tempFiles << folder + QLatin1Char('/') + name;
            info.tempFileSizes.push_back(sizeOf(info.tempFiles.back()));
        }
    }
}

// The save lock of `path` (waiting for a running save to finish), or none when there is no file to lock.
Result<std::optional<SystemFile>> lockForRecovery(const QString& path)
{
    if (!localPathExists(path))
        return std::optional<SystemFile>();
    auto locked = openLockedForSave(path, platform::ReadOnly, nullptr);
    if (!locked)
        return locked.error();
    return std::optional<SystemFile>(std::move(*locked));
}

QString fileCount(qsizetype count)
{
    return count == 1 ? QStringLiteral("1 temporary file") : QStringLiteral("%1 temporary files").arg(count);
}

Status removeTempFiles(const QStringList& files)
{
    for (const QString& temp : files) {
        if (Status removed = removeFile(temp); !removed)
            return removed;
    }
    return Ok{};
}

RecoveryInfo inspectRecoveryUnlocked(const QString& path);
Status restoreLocked(const QString& path);
Status discardLocked(const QString& path);

} // namespace

const char* recoveryStateName(RecoveryState state)
{
    switch (state) {
    case RecoveryState::None:
        return "none";
    case RecoveryState::Unreadable:
        return "unreadable-record";
    case RecoveryState::OriginalIntact:
        return "original-intact";
    case RecoveryState::NewHeaderIntact:
        return "new-header-intact";
    case RecoveryState::HeaderTorn:
        return "header-torn";
    case RecoveryState::FileReplaced:
        return "file-replaced";
    }
    return "unknown";
}

QString recoveryRecordPath(const QString& path)
{
    const QFileInfo info(path);
    return info.absoluteDir().filePath(QStringLiteral(".") + info.fileName() + QStringLiteral(".safescope-recovery"));
}

Status writeRecoveryRecord(const SystemFile& file, const platform::FileStatus& identity, const QByteArray& oldBytes,
                           const QByteArray& newBytes, const SaveHooks* hooks)
{
    const QByteArray record = encodeRecoveryRecord(identity, oldBytes, newBytes);
    const QString recordPath = recoveryRecordPath(file.path());
    // Exclusive: never overwrite the record of an earlier interrupted save; it may hold the only good header.
    auto out = SystemFile::open(recordPath, platform::WriteOnly | platform::Create | platform::Exclusive, hooks, 0600);
    if (!out) {
        if (localPathExists(recordPath)) {
            return makeError(ErrorKind::IoError,
                             QStringLiteral("an earlier save of '%1' was interrupted: restore or discard its recovery "
                                            "record '%2' first")
                                 .arg(file.path(), recordPath),
                             file.path());
        }
        Error error = out.error();
        error.path = file.path();
        error.message += QStringLiteral(" (a recovery record must be written beside the file before it is edited "
                                        "in place)");
        return error;
    }
    Status written = out->writeAt(record.constData(), static_cast<uint64_t>(record.size()), 0);
    // fdatasync: the record's bytes and size are what must survive; its timestamps need not. The folder sync
    // below makes its name durable.
    if (written)
        written = out->syncData();
    if (written)
        written = out->close();
    if (written)
        written = syncDirectory(folderOf(recordPath), hooks);
    if (!written)
        (void)removeFile(recordPath);
    return written;
}

RecoveryInfo inspectRecovery(const QString& givenPath)
{
    const QString path = savedFile(givenPath);
    SystemFile guard; // held while the record and temp files are looked at: no save starts or ends meanwhile
    if (lockOutSaves(path, guard) == SaveActivity::Running) {
        RecoveryInfo info;
        info.filePath = path;
        info.recordPath = recoveryRecordPath(path);
        info.saveInProgress = true;
        return info;
    }
    return inspectRecoveryUnlocked(path);
}

namespace {

RecoveryInfo inspectRecoveryUnlocked(const QString& path)
{
    RecoveryInfo info;
    info.filePath = path;
    info.recordPath = recoveryRecordPath(path);
    findTempFiles(info);
    if (!localPathExists(info.recordPath))
        return info;
    info.recordSize = sizeOf(info.recordPath);
    auto bytes = readWholeFile(info.recordPath);
    const std::optional<RecoveryRecordContents> record = bytes ? decodeRecoveryRecord(*bytes) : std::nullopt;
    if (!record) {
        info.state = RecoveryState::Unreadable;
        return info;
    }
    info.headerBytes = static_cast<uint64_t>(record->oldBytes.size());
    auto file = SystemFile::open(path, platform::ReadOnly);
    auto status = file ? file->status() : Result<platform::FileStatus>(file.error());
    if (!status || status->inode != record->inode || status->size != record->fileSize) {
        info.state = RecoveryState::FileReplaced;
        return info;
    }
    QByteArray current(record->oldBytes.size(), Qt::Uninitialized);
    if (!file->readAt(current.data(), static_cast<uint64_t>(current.size()), 0)) {
        info.state = RecoveryState::FileReplaced;
        return info;
    }
    if (current == record->oldBytes)
        info.state = RecoveryState::OriginalIntact;
    else if (record->isNewHeader(current))
        info.state = RecoveryState::NewHeaderIntact;
    else
        info.state = RecoveryState::HeaderTorn;
    return info;
}

Status restoreLocked(const QString& path)
{
    const RecoveryInfo info = inspectRecoveryUnlocked(path);
    switch (info.state) {
    case RecoveryState::None:
    case RecoveryState::Unreadable:
    case RecoveryState::OriginalIntact:
        return discardLocked(path); // the file never changed: there is nothing to write back
    case RecoveryState::FileReplaced:
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("'%1' is no longer the file the recovery record '%2' was made for; it was "
                                        "left as it is")
                             .arg(path, info.recordPath),
                         path);
    case RecoveryState::NewHeaderIntact:
    case RecoveryState::HeaderTorn:
        break;
    }
    auto bytes = readWholeFile(info.recordPath);
    if (!bytes)
        return bytes.error();
    const std::optional<RecoveryRecordContents> record = decodeRecoveryRecord(*bytes);
    if (!record)
        return makeError(ErrorKind::IoError, QStringLiteral("the recovery record changed while it was read"),
                         info.recordPath);
    // The checksum makes a torn record unreadable; this makes sure that, whatever happened, only a header the
    // strict reader accepts for this file is ever written back.
    const auto* oldHeader = reinterpret_cast<const unsigned char*>(record->oldBytes.constData());
    if (!parseHeader(oldHeader, static_cast<uint64_t>(record->oldBytes.size()), record->fileSize, OpenMode::Strict,
                     path))
        return makeError(ErrorKind::IoError,
                         QStringLiteral("the recovery record '%1' does not hold a valid header for '%2'; the file was "
                                        "left as it is")
                             .arg(info.recordPath, path),
                         path);
    auto file = SystemFile::open(path, platform::WriteOnly);
    if (!file)
        return file.error();
    Status written = overwriteHeaderBytes(*file, record->oldBytes);
    if (written)
        written = file->close();
    if (!written)
        return written; // the record stays: the restore can be retried
    if (Status removed = removeTempFiles(info.tempFiles); !removed)
        return removed;
    return removeRecoveryRecord(path);
}

Status discardLocked(const QString& path)
{
    const RecoveryInfo info = inspectRecoveryUnlocked(path);
    if (info.state == RecoveryState::HeaderTorn) {
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("the header of '%1' was only partly written; discarding the recovery record "
                                        "would leave the file invalid: restore it instead")
                             .arg(path),
                         path);
    }
    if (Status removed = removeTempFiles(info.tempFiles); !removed)
        return removed;
    if (info.state == RecoveryState::None)
        return Ok{};
    return removeRecoveryRecord(path);
}

} // namespace

Status restoreRecovery(const QString& givenPath)
{
    const QString path = savedFile(givenPath);
    auto lock = lockForRecovery(path);
    if (!lock)
        return lock.error();
    return restoreLocked(path);
}

Status discardRecovery(const QString& givenPath)
{
    const QString path = savedFile(givenPath);
    auto lock = lockForRecovery(path);
    if (!lock)
        return lock.error();
    return discardLocked(path);
}

uint64_t RecoveryInfo::tempBytes() const
{
    uint64_t total = 0;
    for (uint64_t size : tempFileSizes)
        total += size;
    return total;
}

QString RecoveryInfo::describe() const
{
    QStringList parts;
    const QString name = QFileInfo(filePath).fileName();
    switch (state) {
    case RecoveryState::None:
        break;
    case RecoveryState::Unreadable:
        parts << QStringLiteral("an interrupted save of '%1' left an incomplete recovery record (%2); the file was "
                                "not changed")
                     .arg(name, format::bytes(recordSize));
        break;
    case RecoveryState::OriginalIntact:
        parts << QStringLiteral("an interrupted save of '%1' left a recovery record (%2); the file still has its "
                                "original header")
                     .arg(name, format::bytes(recordSize));
        break;
    case RecoveryState::NewHeaderIntact:
        parts << QStringLiteral("an interrupted save of '%1' left a recovery record (%2); the file has the complete "
                                "new header (restore puts the original back, discard keeps the new)")
                     .arg(name, format::bytes(recordSize));
        break;
    case RecoveryState::HeaderTorn:
        parts << QStringLiteral("an interrupted save of '%1' left its header half written: the file is invalid until "
                                "the original header is restored from the recovery record (%2)")
                     .arg(name, format::bytes(recordSize));
        break;
    case RecoveryState::FileReplaced:
        parts << QStringLiteral("a recovery record (%1) beside '%2' belongs to an earlier version of the file and "
                                "cannot be restored")
                     .arg(format::bytes(recordSize), name);
        break;
    }
    if (!tempFiles.isEmpty())
        parts << QStringLiteral("an interrupted rewrite of '%1' left %2 (%3)")
                     .arg(name, fileCount(tempFiles.size()), format::bytes(tempBytes()));
    return parts.join(QStringLiteral("; "));
}

Result<QString> resolveRecovery(const QString& givenPath, RecoveryAction action)
{
    // Wait for a running save, and keep others out while resolving: checked and acted on under the same lock.
    const QString target = savedFile(givenPath);
    auto lock = lockForRecovery(target);
    if (!lock)
        return lock.error();
    const RecoveryInfo info = inspectRecoveryUnlocked(target);
    if (!info.needsAttention())
        return QString();
    const Status done = action == RecoveryAction::Restore ? restoreLocked(target) : discardLocked(target);
    if (!done)
        return done.error();
    const QString name = QFileInfo(info.filePath).fileName();
    QStringList parts;
    bool fileChanged = false;
    switch (info.state) {
    case RecoveryState::None:
        break;
    case RecoveryState::Unreadable:
        parts << QStringLiteral("removed the incomplete recovery record of '%1'").arg(name);
        break;
    case RecoveryState::OriginalIntact:
        parts << QStringLiteral("removed the recovery record of '%1' (the interrupted save had not changed it)")
                     .arg(name);
        break;
    case RecoveryState::NewHeaderIntact:
        if (action == RecoveryAction::Restore) {
            parts << QStringLiteral("restored the original header of '%1' from its recovery record").arg(name);
            fileChanged = true;
        } else {
            parts << QStringLiteral("kept the new header of '%1' and removed its recovery record").arg(name);
        }
        break;
    case RecoveryState::HeaderTorn:
        parts << QStringLiteral("restored the original header of '%1' from its recovery record (it was half "
                                "written)")
                     .arg(name);
        fileChanged = true;
        break;
    case RecoveryState::FileReplaced:
        parts
            << QStringLiteral("removed a recovery record of '%1' that belonged to an earlier version of it").arg(name);
        break;
    }
    if (!info.tempFiles.isEmpty())
        parts << QStringLiteral("removed %1 (%2) left by an interrupted rewrite of '%3'")
                     .arg(fileCount(info.tempFiles.size()), format::bytes(info.tempBytes()), name);
    QString text = parts.join(QStringLiteral("; "));
    if (!fileChanged)
        text += QStringLiteral("; the model was not changed");
    return text;
}

Status removeRecoveryRecord(const QString& path, const SaveHooks* hooks)
{
    const QString recordPath = recoveryRecordPath(path);
    if (Status removed = removeFile(recordPath, hooks); !removed)
        return removed;
    if (hooks != nullptr && !hooks->stepReached(SaveStep::RecordRemoved))
        return stoppedAtStep(SaveStep::RecordRemoved, path);
    // No directory fsync here, unlike when the record is created: removal is cleanup, not protection. If a power
    // cut brings the record back, the file already holds a valid header (old or new) and the next open offers to
    // restore or discard it (RecoveryState::NewHeaderIntact). Skipping it takes a quarter off an in-place save.
    return Ok{};
}

} // namespace safescope
