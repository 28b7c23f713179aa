#pragma once

#include <QString>

#include <cstdint>
#include <optional>

namespace safescope {

/// The hashes the model communities identify a .safetensors file by, all from one read of it.
/// Conventions (each checked against its reference):
/// - sha256: SHA-256 of every byte. What the Hugging Face Hub publishes as the Git LFS oid and what
///   AUTOMATIC1111's modules/hashes.py calculate_sha256() gives; Civitai's AutoV2 is its first 10 hex digits.
/// - dataSha256: SHA-256 of the bytes after 8 + N (N = the little-endian u64 at offset 0): kohya-ss/sd-scripts
///   library/train_util.py addnet_hash_safetensors(), written as `sshs_model_hash`; the same function in
///   AUTOMATIC1111 modules/hashes.py (addnet hash); Stability-AI/ModelSpec's `modelspec.hash_sha256` ("a hash of all
///   tensor content (ie excluding the header section), with 0x prefix, all lowercase"); Civitai's AutoV3.
/// - legacyHash: first 8 hex digits of SHA-256 of the bytes [0x100000, 0x110000): train_util.py
///   addnet_hash_legacy() (`sshs_legacy_hash`) and the old web-UI model_hash(). Both seek to 1 MiB and read up to
///   64 KiB, so a shorter file hashes what lies there: the empty string below 1 MiB ("e3b0c442").
struct FileHashes
{
    QString path;
    uint64_t size = 0;
    QString sha256;                    ///< 64 lowercase hex digits
    QString dataSha256;                ///< empty when not asked for, or when N is impossible (8 + N > size)
    QString legacyHash;                ///< 8 lowercase hex digits
    std::optional<uint64_t> dataStart; ///< 8 + N, when the length field fits the file
    bool fromCache = false;            ///< read from the hash cache instead of the file

    /// Civitai's AutoV2: the first 10 hex digits of sha256, upper case as Civitai prints it.
    QString autoV2() const { return sha256.left(10).toUpper(); }
    /// Civitai's AutoV3: the first 12 hex digits of dataSha256, upper case; empty without it.
    QString autoV3() const { return dataSha256.left(12).toUpper(); }
};

/// Where the legacy hash reads, per addnet_hash_legacy() / model_hash().
inline constexpr uint64_t kLegacyHashOffset = 0x100000;
inline constexpr uint64_t kLegacyHashLength = 0x10000;

} // namespace safescope
