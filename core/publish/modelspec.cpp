#include "core/publish/modelspec.h"

#include <QRegularExpression>

#include <algorithm>

namespace safescope {

namespace {

constexpr std::string_view kPrefix = "modelspec.";

bool blank(const std::string& value)
{
    return value.find_first_not_of(" \t\r\n") == std::string::npos;
}

} // namespace

const std::vector<std::string>& modelSpecRequiredKeys()
{
    // The table of the ModelSpec README: "MUST" for sai_model_spec, architecture, implementation and title.
    static const std::vector<std::string> keys{"modelspec.sai_model_spec", "modelspec.architecture",
                                               "modelspec.implementation", "modelspec.title"};
    return keys;
}

std::optional<std::pair<std::string, QByteArray>> decodeDataUri(const std::string& uri)
{
    if (!uri.starts_with("data:"))
        return std::nullopt;
    const size_t comma = uri.find(',');
    if (comma == std::string::npos)
        return std::nullopt;
    const std::string meta = uri.substr(5, comma - 5);
    if (!meta.ends_with(";base64"))
        return std::nullopt;
    const std::string mime = meta.substr(0, meta.find(';'));
    const QByteArray encoded =
        QByteArray::fromRawData(uri.data() + comma + 1, static_cast<qsizetype>(uri.size() - comma - 1));
    auto decoded = QByteArray::fromBase64Encoding(encoded.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty())
        return std::nullopt;
    return std::pair{mime, QByteArray(decoded.decoded)};
}

ModelSpec parseModelSpec(const std::vector<MetadataEntry>& metadata)
{
    ModelSpec spec;
    for (const MetadataEntry& entry : metadata) {
        if (!entry.key.starts_with(kPrefix))
            continue;
        spec.present = true;
        const std::string key = entry.key.substr(kPrefix.size());
        spec.allFields.push_back({key, entry.value});
        std::string* slot = key == "sai_model_spec"   ? &spec.version
                            : key == "title"          ? &spec.title
                            : key == "architecture"   ? &spec.architecture
                            : key == "implementation" ? &spec.implementation
                            : key == "author"         ? &spec.author
                            : key == "description"    ? &spec.description
                            : key == "trigger_phrase" ? &spec.triggerPhrase
                            : key == "license"        ? &spec.license
                            : key == "date"           ? &spec.date
                            : key == "resolution"     ? &spec.resolution
                            : key == "usage_hint"     ? &spec.usageHint
                            : key == "hash_sha256"    ? &spec.hashSha256
                            : key == "thumbnail"      ? &spec.thumbnail
                                                      : nullptr;
        if (slot)
            *slot = entry.value;
    }
    if (!spec.present)
        return spec;
    for (const std::string& required : modelSpecRequiredKeys()) {
        const auto found = std::find_if(metadata.begin(), metadata.end(),
                                        [&](const MetadataEntry& entry) { return entry.key == required; });
        if (found == metadata.end() || blank(found->value))
            spec.missingRequired.push_back(required);
    }
    if (!spec.thumbnail.empty()) {
        if (auto decoded = decodeDataUri(spec.thumbnail); decoded && decoded->first.starts_with("image/")) {
            spec.thumbnailMime = decoded->first;
            spec.thumbnailBytes = decoded->second;
        } else {
            spec.problems.push_back("modelspec.thumbnail is not a base64 image data URI");
        }
    }
    // "(width)x(height)" per the spec's image-model table.
    static const QRegularExpression resolutionPattern(QStringLiteral("^\\d+x\\d+$"));
    if (!spec.resolution.empty() && !resolutionPattern.match(QString::fromStdString(spec.resolution)).hasMatch())
        spec.problems.push_back("modelspec.resolution is not WIDTHxHEIGHT: " + spec.resolution);
    if (!spec.hashSha256.empty() && !spec.hashSha256.starts_with("0x"))
        spec.problems.push_back("modelspec.hash_sha256 lacks the 0x prefix the spec asks for");
    return spec;
}

std::vector<Warning> modelSpecWarnings(const std::vector<MetadataEntry>& metadata, const QString& file)
{
    const ModelSpec spec = parseModelSpec(metadata);
    std::vector<Warning> warnings;
    for (const std::string& key : spec.missingRequired)
        warnings.push_back({QStringLiteral("ModelSpecMissingKey"),
                            QStringLiteral("The metadata uses ModelSpec but lacks %1, a key the spec requires")
                                .arg(QString::fromStdString(key)),
                            QString(), file, std::nullopt});
    for (const std::string& problem : spec.problems)
        warnings.push_back(
            {QStringLiteral("ModelSpecProblem"), QString::fromStdString(problem), QString(), file, std::nullopt});
    return warnings;
}

} // namespace safescope
