#include "core/publish/claimedhashes.h"

#include <QRegularExpression>

#include <algorithm>

namespace safescope {

namespace {

/// Lower case, trimmed, without the "0x" ModelSpec puts in front: how two spellings of one digest compare.
QString normalised(const std::string& value)
{
    QString text = QString::fromStdString(value).trimmed().toLower();
    if (text.startsWith(QLatin1String("0x")))
        text.remove(0, 2);
    return text;
}

bool isHex(const QString& text, qsizetype length)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]*$"));
    return text.size() == length && hex.match(text).hasMatch();
}

ClaimedHash verifyDataHash(const MetadataEntry& entry, const FileHashes& hashes, bool modelSpec)
{
    ClaimedHash claim{entry.key, entry.value, HashVerdict::CannotTell, {}, {}};
    if (hashes.dataSha256.isEmpty()) {
        claim.reason = hashes.dataStart ? QStringLiteral("the data hash was not computed")
                                        : QStringLiteral("the file has no data region to hash");
        return claim;
    }
    claim.correct = modelSpec ? QStringLiteral("0x") + hashes.dataSha256 : hashes.dataSha256;
    if (normalised(entry.value) == hashes.dataSha256) {
        claim.verdict = HashVerdict::Right;
        claim.reason =
            QString::fromStdString(entry.value) == claim.correct
                ? QStringLiteral("matches the SHA-256 of the tensor data")
                : QStringLiteral("matches the SHA-256 of the tensor data (spelt differently: %1)").arg(claim.correct);
        return claim;
    }
    claim.verdict = HashVerdict::Wrong;
    claim.reason = QStringLiteral("the SHA-256 of the tensor data is %1").arg(hashes.dataSha256);
    return claim;
}

ClaimedHash verifyLegacyHash(const MetadataEntry& entry, const FileHashes& hashes)
{
    ClaimedHash claim{entry.key, entry.value, HashVerdict::CannotTell, {}, {}};
    const QString value = normalised(entry.value);
    if (!isHex(value, 8)) {
        claim.verdict = HashVerdict::Wrong;
        claim.reason = QStringLiteral("not a legacy hash (8 hex digits)");
        return claim;
    }
    if (value == hashes.legacyHash) {
        claim.verdict = HashVerdict::Right;
        claim.reason = QStringLiteral("matches the SHA-256 of the 64 KiB at 1 MiB");
        return claim;
    }
    claim.reason = QStringLiteral("the file's legacy hash is %1; kohya computes this key on a copy whose header holds "
                                  "only the ss_* keys, so it differs whenever the header does")
                       .arg(hashes.legacyHash);
    return claim;
}

} // namespace

const char* hashVerdictName(HashVerdict verdict)
{
    switch (verdict) {
    case HashVerdict::Right:
        return "right";
    case HashVerdict::Wrong:
        return "wrong";
    case HashVerdict::CannotTell:
        break;
    }
    return "cannot_tell";
}

std::vector<ClaimedHash> verifyClaimedHashes(const std::vector<MetadataEntry>& metadata, const FileHashes& hashes)
{
    std::vector<ClaimedHash> claims;
    for (const char* key : kClaimedHashKeys) {
        for (const MetadataEntry& entry : metadata) {
            if (entry.key != key)
                continue;
            if (entry.key == "sshs_legacy_hash")
                claims.push_back(verifyLegacyHash(entry, hashes));
            else
                claims.push_back(verifyDataHash(entry, hashes, entry.key == "modelspec.hash_sha256"));
            break;
        }
    }
    return claims;
}

std::vector<MetadataEntry> correctedClaimedHashes(const std::vector<ClaimedHash>& claims)
{
    std::vector<MetadataEntry> corrected;
    for (const ClaimedHash& claim : claims)
        if (claim.verdict == HashVerdict::Wrong && !claim.correct.isEmpty())
            corrected.push_back({claim.key, claim.correct.toStdString()});
    return corrected;
}

bool anyWrong(const std::vector<ClaimedHash>& claims)
{
    return std::any_of(claims.begin(), claims.end(),
                       [](const ClaimedHash& claim) { return claim.verdict == HashVerdict::Wrong; });
}

} // namespace safescope
