#pragma once

#include "core/platform/filestatus.h"

#include <QByteArray>

#include <cstdint>
#include <optional>

namespace safescope {

/// What a recovery record holds: the file it was made for (inode and size), the header bytes before the save and,
/// to tell the new header from a torn one, the bytes about to be written (or only their hash, in records written
/// by the first format).
struct RecoveryRecordContents
{
    uint64_t fileSize = 0;
    uint64_t inode = 0;
    QByteArray oldBytes;
    QByteArray newBytes; ///< empty in a format-01 record, which holds newHash instead
    QByteArray newHash;  ///< SHA-256 of the new bytes (format 01 only)

    /// Whether `current` (the file's first oldBytes.size() bytes now) is the complete new header.
    bool isNewHeader(const QByteArray& current) const;
};

/// The bytes of a recovery record (format 02): magic "SAFESCOPE-REC-02", then little-endian u64 size, device,
/// inode and header length L of the file, the L old header bytes, the L new ones, and a CRC-64 of everything
/// before it, which tells a torn record from a complete one.
QByteArray encodeRecoveryRecord(const platform::FileStatus& identity, const QByteArray& oldBytes,
                                const QByteArray& newBytes);

/// Reads a record of format 02 or 01 (SHA-256 checksums, the new header as a hash): nullopt when it is torn or
/// not a record.
std::optional<RecoveryRecordContents> decodeRecoveryRecord(const QByteArray& bytes);

} // namespace safescope
