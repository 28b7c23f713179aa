#pragma once

#include "core/publish/filehashes.h"
#include "core/format/header.h"

#include <QString>

#include <string>
#include <vector>

namespace safescope {

enum class HashVerdict
{
    Right,
    Wrong,
    CannotTell
};

/// "right", "wrong", "cannot_tell": the CLI's JSON names.
const char* hashVerdictName(HashVerdict verdict);

/// A metadata key that claims a hash of the file, checked against the computed hashes.
struct ClaimedHash
{
    std::string key;
    std::string claimed;
    HashVerdict verdict = HashVerdict::CannotTell;
    QString correct; ///< the value to write instead, in the key's own format; empty when it cannot be known
    QString reason;  ///< why, in a sentence (shown next to the verdict)
};

/// Metadata keys that claim a hash: kohya's sshs_model_hash (plain hex of the data hash, train_util.py
/// precalculate_safetensors_hashes()), sshs_legacy_hash (8 hex digits, same function) and ModelSpec's
/// modelspec.hash_sha256 ("0x" + lowercase hex of the data hash).
inline constexpr const char* kClaimedHashKeys[] = {"sshs_model_hash", "sshs_legacy_hash", "modelspec.hash_sha256"};

/// The verdict on each claimed-hash key present in `metadata`, in kClaimedHashKeys order.
/// The data hash keys are right or wrong (any metadata edit keeps the data region, so kohya's value stays valid).
/// sshs_legacy_hash is right when it matches; otherwise nobody can tell: kohya computes it on a copy of the file whose
/// header holds only the ss_* keys, so once the file's header differs from that copy (it always holds the sshs_*
/// keys themselves) the 64 KiB at 1 MiB are other bytes. Only a value that is not 8 hex digits is wrong.
std::vector<ClaimedHash> verifyClaimedHashes(const std::vector<MetadataEntry>& metadata, const FileHashes& hashes);

/// The keys whose verdict is Wrong and whose right value is known, with that value: what the "update" action
/// stages. A metadata save keeps the data region, so the values stay right after the save that writes them.
std::vector<MetadataEntry> correctedClaimedHashes(const std::vector<ClaimedHash>& claims);

/// True when any claim is Wrong (the CLI exits 1).
bool anyWrong(const std::vector<ClaimedHash>& claims);

} // namespace safescope
