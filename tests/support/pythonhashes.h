#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <map>
#include <string>
#include <vector>

namespace safescope::test {

/// The three hashes as Python's hashlib gives them, following the references line by line (kohya-ss
/// addnet_hash_safetensors / addnet_hash_legacy, AUTOMATIC1111 calculate_sha256): the test's independent peer.
struct PythonHashes
{
    QString sha256;
    QString dataSha256;
    QString legacyHash;
};

/// Runs /usr/bin/python3 once over `paths`; fails the test (QFAIL from the caller's check) on an empty result.
std::vector<PythonHashes> pythonHashes(const QStringList& paths);

/// A single-tensor (U8) safetensors image: `metadata` as __metadata__ (omitted when empty), `data` as the tensor,
/// the header padded with spaces to a multiple of 8 when `padded` (otherwise left at its natural, often odd, length).
QByteArray safetensorsImage(const std::map<std::string, std::string>& metadata, const QByteArray& data, bool padded);

} // namespace safescope::test
