#include "core/recoveryrecord.h"

#include "core/atomicfilewriter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QtEndian>

#include <fcntl.h>
#include <optional>

namespace safescope {

namespace {

// Layout: magic, then little-endian u64 size, device, inode, header bytes; sha256 of the old and of the new header
// bytes; the old header bytes; sha256 of everything before it. The trailing checksum tells a torn record from a
// complete one: a torn record means the header write had not started.
constexpr char kMagic[16] = {'S', 'A', 'F', 'E', 'S', 'C', 'O', 'P', 'E', '-', 'R', 'E', 'C', '-', '0', '1'};
constexpr qsizetype kFixed = 16 + 4 * 8 + 32 + 32;
constexpr qsizetype kHash = 32;

QByteArray sha256(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

void appendU64(QByteArray& out, uint64_t value)
{
    char field[8];
    qToLittleEndian<quint64>(value, field);
    out.append(field, 8);
}

uint64_t readU64(const QByteArray& bytes, qsizetype at)
{
    return qFromLittleEndian<quint64>(bytes.constData() + at);
}

struct Record
{
    uint64_t fileSize = 0;
    uint64_t inode = 0;
    QByteArray oldHash;
    QByteArray newHash;
    QByteArray oldBytes;
};

std::optional<Record> parseRecord(const QByteArray& bytes)
{
    if (bytes.size() < kFixed + kHash || !bytes.startsWith(QByteArray::fromRawData(kMagic, 16)))
        return std::nullopt;
    const uint64_t length = readU64(bytes, 40);
    if (length != static_cast<uint64_t>(bytes.size() - kFixed - kHash))
        return std::nullopt;
    if (sha256(bytes.left(bytes.size() - kHash)) != bytes.right(kHash))
        return std::nullopt;
    Record record;
    record.fileSize = readU64(bytes, 16);
    record.inode = readU64(bytes, 32);
    record.oldHash = bytes.mid(48, kHash);
    record.newHash = bytes.mid(80, kHash);
    record.oldBytes = bytes.mid(kFixed, static_cast<qsizetype>(length));
    return record;
}

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

Status writeRecoveryRecord(const PosixFile& file, const QByteArray& oldBytes, const QByteArray& newBytes,
                           const SaveHooks* hooks)
{
    auto info = file.status();
    if (!info)
        return info.error();
    QByteArray record;
    record.reserve(kFixed + oldBytes.size() + kHash);
    record.append(kMagic, 16);
    appendU64(record, static_cast<uint64_t>(info->st_size));
    appendU64(record, static_cast<uint64_t>(info->st_dev));
    appendU64(record, static_cast<uint64_t>(info->st_ino));
    appendU64(record, static_cast<uint64_t>(oldBytes.size()));
    record += sha256(oldBytes);
    record += sha256(newBytes);
    record += oldBytes;
    record += sha256(record);

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
    if (written)
        written = out->sync();
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
    const std::optional<Record> record = bytes ? parseRecord(*bytes) : std::nullopt;
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
    const QByteArray hash = sha256(current);
    if (hash == record->oldHash)
        info.state = RecoveryState::OriginalIntact;
    else if (hash == record->newHash)
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
    const std::optional<Record> record = parseRecord(*bytes);
    if (!record)
        return makeError(ErrorKind::IoError, QStringLiteral("the recovery record changed while it was read"),
                         info.recordPath);
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
