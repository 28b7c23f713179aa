#include "core/edit/recoveryrecordformat.h"

#include "core/edit/crc64.h"

#include <QCryptographicHash>
#include <QtEndian>

namespace safescope {

namespace {

constexpr qsizetype kMagicSize = 16;
constexpr char kMagic02[kMagicSize + 1] = "SAFESCOPE-REC-02";
// Format 01 (the first release) kept SHA-256 hashes: 32-byte hashes of the old and new bytes after the fixed
// fields, the old bytes, and a SHA-256 of everything. Still read, so a record left by it can be resolved.
constexpr char kMagic01[kMagicSize + 1] = "SAFESCOPE-REC-01";
constexpr qsizetype kFields = kMagicSize + 4 * 8; // magic, size, device, inode, header length
constexpr qsizetype kSha = 32;

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

QByteArray sha256(QByteArrayView bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

std::optional<RecoveryRecordContents> decode02(const QByteArray& bytes)
{
    if (bytes.size() < kFields + 8)
        return std::nullopt;
    const uint64_t length = readU64(bytes, 40);
    const auto body = static_cast<uint64_t>(bytes.size() - kFields - 8);
    if (length > body / 2 || 2 * length != body)
        return std::nullopt;
    if (crc64(bytes.constData(), static_cast<size_t>(bytes.size() - 8)) != readU64(bytes, bytes.size() - 8))
        return std::nullopt;
    RecoveryRecordContents record;
    record.fileSize = readU64(bytes, 16);
    record.inode = readU64(bytes, 32);
    record.oldBytes = bytes.mid(kFields, static_cast<qsizetype>(length));
    record.newBytes = bytes.mid(kFields + static_cast<qsizetype>(length), static_cast<qsizetype>(length));
    return record;
}

std::optional<RecoveryRecordContents> decode01(const QByteArray& bytes)
{
    constexpr qsizetype kFixed = kFields + 2 * kSha;
    if (bytes.size() < kFixed + kSha)
        return std::nullopt;
    const uint64_t length = readU64(bytes, 40);
    if (length != static_cast<uint64_t>(bytes.size() - kFixed - kSha))
        return std::nullopt;
    if (sha256(QByteArrayView(bytes).first(bytes.size() - kSha)) != bytes.right(kSha))
        return std::nullopt;
    RecoveryRecordContents record;
    record.fileSize = readU64(bytes, 16);
    record.inode = readU64(bytes, 32);
    record.newHash = bytes.mid(kFields + kSha, kSha);
    record.oldBytes = bytes.mid(kFixed, static_cast<qsizetype>(length));
    return record;
}

} // namespace

bool RecoveryRecordContents::isNewHeader(const QByteArray& current) const
{
    return newHash.isEmpty() ? current == newBytes : sha256(current) == newHash;
}

QByteArray encodeRecoveryRecord(const platform::FileStatus& identity, const QByteArray& oldBytes,
                                const QByteArray& newBytes)
{
    QByteArray record;
    record.reserve(kFields + oldBytes.size() + newBytes.size() + 8);
    record.append(kMagic02, kMagicSize);
    appendU64(record, identity.size);
    appendU64(record, identity.device);
    appendU64(record, identity.inode);
    appendU64(record, static_cast<uint64_t>(oldBytes.size()));
    record += oldBytes;
    record += newBytes;
    appendU64(record, crc64(record.constData(), static_cast<size_t>(record.size())));
    return record;
}

std::optional<RecoveryRecordContents> decodeRecoveryRecord(const QByteArray& bytes)
{
    if (bytes.startsWith(QByteArrayView(kMagic02, kMagicSize)))
        return decode02(bytes);
    if (bytes.startsWith(QByteArrayView(kMagic01, kMagicSize)))
        return decode01(bytes);
    return std::nullopt;
}

} // namespace safescope
