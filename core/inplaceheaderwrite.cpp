#include "core/inplaceheaderwrite.h"

#include "core/atomicfilewriter.h"
#include "core/headerparser.h"
#include "core/recoveryrecord.h"

namespace safescope {

namespace {

// Puts the original header back after a failed write; the record is removed only when that worked, so a failure
// here still leaves a way back for the next open.
Status rollBack(PosixFile& file, const QByteArray& oldBytes)
{
    Status restored = file.writeAt(oldBytes.constData(), static_cast<uint64_t>(oldBytes.size()), 0);
    if (restored)
        restored = file.sync();
    if (restored)
        (void)removeRecoveryRecord(file.path());
    return restored;
}

// Parses the header now on disk (the first 8+N bytes plus the file size) with the strict reader.
Status validateOnDisk(const PosixFile& file, uint64_t headerBytes)
{
    auto info = file.status();
    if (!info)
        return info.error();
    QByteArray bytes(static_cast<qsizetype>(headerBytes), Qt::Uninitialized);
    if (Status read = file.readAt(bytes.data(), headerBytes, 0); !read)
        return read;
    auto header = parseHeader(reinterpret_cast<const unsigned char*>(bytes.constData()), headerBytes,
                              static_cast<uint64_t>(info->st_size), OpenMode::Strict, file.path());
    if (!header)
        return header.error();
    return Ok{};
}

} // namespace

Status writeHeaderInPlace(PosixFile& file, const QByteArray& oldBytes, const QByteArray& newBytes,
                          const SaveHooks& hooks)
{
    Q_ASSERT(oldBytes.size() == newBytes.size());
    if (oldBytes == newBytes)
        return Ok{};
    if (Status recorded = writeRecoveryRecord(file, oldBytes, newBytes, &hooks); !recorded)
        return recorded;
    if (!hooks.stepReached(SaveStep::RecordWritten))
        return stoppedAtStep(SaveStep::RecordWritten, file.path());

    // Two writes so that a test can stop between them and see a torn header, which a real crash can produce
    // when the header spans pages.
    const auto size = static_cast<uint64_t>(newBytes.size());
    const uint64_t half = size / 2;
    Status written = file.writeAt(newBytes.constData(), half, 0);
    if (written && !hooks.stepReached(SaveStep::HeaderPartWritten))
        return stoppedAtStep(SaveStep::HeaderPartWritten, file.path());
    if (written)
        written = file.writeAt(newBytes.constData() + half, size - half, half);
    if (written)
        written = file.syncData(); // the file's size and blocks do not change
    if (written)
        written = validateOnDisk(file, size);
    if (!written) {
        if (Status back = rollBack(file, oldBytes); !back) {
            Error error = written.error();
            error.message += QStringLiteral("; putting the old header back failed too (%1): the recovery record "
                                            "'%2' restores it")
                                 .arg(back.error().message, recoveryRecordPath(file.path()));
            return error;
        }
        return written;
    }
    if (!hooks.stepReached(SaveStep::HeaderWritten))
        return stoppedAtStep(SaveStep::HeaderWritten, file.path());
    return removeRecoveryRecord(file.path(), &hooks);
}

} // namespace safescope
