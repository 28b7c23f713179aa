#include "core/recoveryrecord.h"

#include "core/atomicfilewriter.h"
#include "core/headerparser.h"
#include "core/recoveryrecordformat.h"

#include <QDir>
#include <QFileInfo>
#include <QtEndian>

#include <fcntl.h>
#include <optional>

namespace safescope {

namespace {

QStringList leftoverTempFiles(const QString& path)
{
    const QFileInfo info(path);
    const QDir folder = info.absoluteDir();
    QStringList found;
    const QString pattern = QStringLiteral(".") + info.fileName() + QStringLiteral(".safescope-??????.tmp");
    for (const QString& name : folder.entryList({pattern}, QDir::Files | QDir::Hidden | QDir::System))
        found << folder.filePath(name);
    return found;
}

Result<QByteArray> readWhole(const QString& path)
{
    auto file = PosixFile::open(path, O_RDONLY);
    if (!file)
        return file.error();
    auto info = file->status();
    if (!info)
        return info.error();
    QByteArray bytes(static_cast<qsizetype>(info->st_size), Qt::Uninitialized);
    if (Status read = file->readAt(bytes.data(), static_cast<uint64_t>(bytes.size()), 0); !read)
        return read.error();
    return bytes;
}

Status removeTempFiles(const QStringList& files)
{
    for (const QString& temp : files) {
        if (Status removed = removeFile(temp); !removed)
            return removed;
    }
    return Ok{};
}

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

Status writeRecoveryRecord(const PosixFile& file, const struct stat& identity, const QByteArray& oldBytes,
                           const QByteArray& newBytes, const SaveHooks* hooks)
{
    const QByteArray record = encodeRecoveryRecord(identity, oldBytes, newBytes);
    const QString recordPath = recoveryRecordPath(file.path());
    // O_EXCL: never overwrite the record of an earlier interrupted save; it may hold the only good header.
    auto out = PosixFile::open(recordPath, O_WRONLY | O_CREAT | O_EXCL, hooks, 0600);
    if (!out) {
        if (QFileInfo::exists(recordPath)) {
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

RecoveryInfo inspectRecovery(const QString& path)
{
    RecoveryInfo info;
    info.filePath = path;
    info.recordPath = recoveryRecordPath(path);
    info.tempFiles = leftoverTempFiles(path);
    if (!QFileInfo::exists(info.recordPath))
        return info;
    auto bytes = readWhole(info.recordPath);
    const std::optional<RecoveryRecordContents> record = bytes ? decodeRecoveryRecord(*bytes) : std::nullopt;
    if (!record) {
        info.state = RecoveryState::Unreadable;
        return info;
    }
    info.headerBytes = static_cast<uint64_t>(record->oldBytes.size());
    auto file = PosixFile::open(path, O_RDONLY);
    auto status = file ? file->status() : Result<struct stat>(file.error());
    if (!status || static_cast<uint64_t>(status->st_ino) != record->inode ||
        static_cast<uint64_t>(status->st_size) != record->fileSize) {
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

Status restoreRecovery(const QString& path)
{
    const RecoveryInfo info = inspectRecovery(path);
    switch (info.state) {
    case RecoveryState::None:
    case RecoveryState::Unreadable:
    case RecoveryState::OriginalIntact:
        return discardRecovery(path); // the file never changed: there is nothing to write back
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
    auto bytes = readWhole(info.recordPath);
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
    auto file = PosixFile::open(path, O_WRONLY);
    if (!file)
        return file.error();
    Status written = file->writeAt(record->oldBytes.constData(), static_cast<uint64_t>(record->oldBytes.size()), 0);
    if (written)
        written = file->sync();
    if (written)
        written = file->close();
    if (!written)
        return written; // the record stays: the restore can be retried
    if (Status removed = removeTempFiles(info.tempFiles); !removed)
        return removed;
    return removeRecoveryRecord(path);
}

Status discardRecovery(const QString& path)
{
    const RecoveryInfo info = inspectRecovery(path);
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
