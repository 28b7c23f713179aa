#pragma once

#include <QString>

#include <cstdint>

namespace safescope {

enum class HashEffect
{
    Keeps,
    Changes,
    MayChange ///< depends on header bytes that lengths alone do not tell
};

/// What a metadata save does to each hash of FileHashes.
struct HashEffects
{
    HashEffect sha256 = HashEffect::Changes;
    HashEffect dataSha256 = HashEffect::Keeps;
    HashEffect legacyHash = HashEffect::Keeps;
};

/// Pure: the effect of a metadata edit on each hash, from the header length N before and after, the data region's
/// length, and whether the save writes the header in place (then N is kept) or rewrites the file.
/// - sha256 covers the header, so any edit changes it (and with it Civitai's AutoV2 and the Hub's LFS oid).
/// - the data hash covers only the tensor bytes, which both kinds of save copy unchanged: kept.
/// - the legacy hash reads the 64 KiB at 1 MiB: kept when that window lies wholly in the data region and N does not
///   move it (or the file is below 1 MiB before and after, so the window is empty); changed when N changes under a
///   file that reaches 1 MiB; may change when the window covers header bytes.
HashEffects hashEffectsOfEdit(uint64_t oldHeaderLength, uint64_t newHeaderLength, uint64_t dataLength, bool inPlace);

/// "changes", "keeps", "may change"
QString hashEffectWord(HashEffect effect);

/// One sentence for the save summary: "This save changes the file's SHA-256 (AutoV2, Hub LFS oid) and keeps ...".
QString describeHashEffects(const HashEffects& effects);

} // namespace safescope
