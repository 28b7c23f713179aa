#pragma once

#include "core/format/header.h"
#include "core/format/warning.h"

#include <QByteArray>

#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// Stability AI's model metadata standard ("SAI Model Spec", github.com/Stability-AI/ModelSpec, README, version
/// 1.0.0): `modelspec.*` keys in `__metadata__`. The spec names MUST keys (sai_model_spec, architecture,
/// implementation, title), SHOULD keys (description, author, date, hash_sha256; resolution for image models) and
/// CAN keys (license, usage_hint, thumbnail, trigger_phrase, ...).
struct ModelSpec
{
    /// A keyed value of the spec, present or not.
    struct Field
    {
        std::string key; ///< without the "modelspec." prefix
        std::string value;
    };

    bool present = false; ///< any modelspec.* key
    std::string version;  ///< modelspec.sai_model_spec ("1.0.0")
    std::string title;
    std::string architecture;
    std::string implementation;
    std::string author;
    std::string description; ///< Markdown, as the spec encourages
    std::string triggerPhrase;
    std::string license;
    std::string date;
    std::string resolution;
    std::string usageHint;
    std::string hashSha256;
    std::string thumbnail;        ///< the data URI as written
    QByteArray thumbnailBytes;    ///< decoded image bytes; empty when absent or not a base64 data URI
    std::string thumbnailMime;    ///< "image/jpeg"
    std::vector<Field> allFields; ///< every modelspec.* key, in file order

    /// The MUST keys the metadata lacks (full key names, "modelspec.title"), empty or whitespace counting as missing.
    /// Only meaningful when `present`: a file without the spec is not in breach of it.
    std::vector<std::string> missingRequired;
    /// Other departures from the spec: a thumbnail that is not a base64 image data URI, a resolution not WxH,
    /// a hash_sha256 without its 0x prefix.
    std::vector<std::string> problems;
};

/// The keys the spec says a file MUST have, in the spec's order.
const std::vector<std::string>& modelSpecRequiredKeys();

/// Reads the modelspec.* keys of `metadata`; never fails (departures are listed in the result).
ModelSpec parseModelSpec(const std::vector<MetadataEntry>& metadata);

/// ModelSpec departures as Problems-page rows, checked before publishing: one "ModelSpecMissingKey" per MUST key a
/// file using the spec lacks, one "ModelSpecProblem" per other departure. Empty when the file does not use the spec.
std::vector<Warning> modelSpecWarnings(const std::vector<MetadataEntry>& metadata, const QString& file = {});

/// Decodes "data:image/png;base64,...." into bytes and mime type; nullopt when it is not a base64 data URI.
std::optional<std::pair<std::string, QByteArray>> decodeDataUri(const std::string& uri);

} // namespace safescope
