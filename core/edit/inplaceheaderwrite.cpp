#include "core/edit/inplaceheaderwrite.h"

#include "core/edit/headeroverwrite.h"
#include "core/edit/recoveryrecord.h"
#include "core/io/atomicfilewriter.h"

namespace safescope {

namespace {

// Puts the original header back after a failed write; the record is removed only when that worked, so a failure
// here still leaves a way back for the next open.
Status rollBack(SystemFile& file, const QByteArray& oldBytes)
{
    Status restored = overwriteHeaderBytes(file, oldBytes);
    if (restored)
        (void)removeRecoveryRecord(file.path());
    return restored;
}

// The re-open after the write: a new descriptor by path (so a file renamed over ours is noticed), the header read
// back and validated by the strict reader, and compared with what was meant to be written.
Result<HeaderSnapshot> reopenWritten(const SystemFile& file, const HeaderSnapshot& old, const QByteArray& newBytes)
{
    auto reopened = HeaderSnapshot::reopen(file.path(), &old.identity());
    if (!reopened) {
        Error error = reopened.error();
        error.message = QStringLiteral("the saved file does not validate: ") + error.message;
        return error;
    }
    if (reopened->bytes() != newBytes)
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("the header read back from '%1' is not the one written: another program "
                                        "wrote to the file during the save")
                             .arg(file.path()),
                         file.path());
    return reopened;
}

} // namespace

Result<HeaderSnapshot> writeHeaderInPlace(SystemFile& file, const HeaderSnapshot& old, const QByteArray& newBytes,
                                          const SaveHooks& hooks)
{
    const QByteArray& oldBytes = old.bytes();
    Q_ASSERT(oldBytes.size() == newBytes.size());
    if (oldBytes == newBytes)
        return reopenWritten(file, old, newBytes); // nothing to write; still re-opened and re-validated
    if (Status recorded = writeRecoveryRecord(file, old.identity(), oldBytes, newBytes, &hooks); !recorded)
        return recorded.error();
    if (!hooks.stepReached(SaveStep::RecordWritten))
        return stoppedAtStep(SaveStep::RecordWritten, file.path());

    Status written = overwriteHeaderBytes(file, newBytes, &hooks);
    if (!written && written.error().kind == ErrorKind::Cancelled)
        return written.error(); // a test stopped the save half way: no cleanup, as after a crash
    Result<HeaderSnapshot> reopened =
        written ? reopenWritten(file, old, newBytes) : Result<HeaderSnapshot>(written.error());
    if (!reopened) {
        if (Status back = rollBack(file, oldBytes); !back) {
            Error error = reopened.error();
            error.message += QStringLiteral("; putting the old header back failed too (%1): the recovery record "
                                            "'%2' restores it")
                                 .arg(back.error().message, recoveryRecordPath(file.path()));
            return error;
        }
        return reopened;
    }
    if (!hooks.stepReached(SaveStep::HeaderWritten))
        return stoppedAtStep(SaveStep::HeaderWritten, file.path());
    if (Status removed = removeRecoveryRecord(file.path(), &hooks); !removed)
        return removed.error();
    return reopened;
}

} // namespace safescope
