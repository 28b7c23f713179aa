#include "core/edit/metadatarules.h"

#include "core/text/textutil.h"
#include "core/format/utf8.h"

#include <unordered_map>
#include <unordered_set>

namespace safescope {

namespace {

bool validUtf8(const std::string& text)
{
    return !findInvalidUtf8(reinterpret_cast<const unsigned char*>(text.data()), text.size()).has_value();
}

Error refused(const std::string& key, const QString& why)
{
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("metadata key %1 %2").arg(QString::fromStdString(quoteForMessage(key)), why));
}

} // namespace

Status validateMetadata(const std::vector<MetadataEntry>& entries)
{
    std::unordered_set<std::string_view> seen;
    for (const MetadataEntry& entry : entries) {
        if (entry.key.empty())
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("a metadata key is empty"));
        if (entry.key == "__metadata__")
            return refused(entry.key, QStringLiteral("is reserved: it names the metadata object itself"));
        if (!validUtf8(entry.key))
            return refused(entry.key, QStringLiteral("is not valid UTF-8"));
        if (!validUtf8(entry.value))
            return refused(entry.key, QStringLiteral("has a value that is not valid UTF-8"));
        if (!seen.insert(entry.key).second)
            return refused(entry.key, QStringLiteral("appears more than once"));
    }
    return Ok{};
}

MetadataChanges compareMetadata(const std::vector<MetadataEntry>& before, const std::vector<MetadataEntry>& after)
{
    std::unordered_map<std::string_view, std::string_view> old;
    for (const MetadataEntry& entry : before)
        old[entry.key] = entry.value;
    std::unordered_set<std::string_view> kept;
    MetadataChanges changes;
    for (const MetadataEntry& entry : after) {
        kept.insert(entry.key);
        const auto found = old.find(entry.key);
        if (found == old.end())
            changes.added.push_back(entry.key);
        else if (found->second != entry.value)
            changes.changed.push_back(entry.key);
    }
    for (const MetadataEntry& entry : before) {
        if (!kept.contains(entry.key))
            changes.removed.push_back(entry.key);
    }
    return changes;
}

bool lacksFormatKey(const std::optional<std::vector<MetadataEntry>>& metadata)
{
    if (!metadata)
        return true;
    for (const MetadataEntry& entry : *metadata) {
        if (entry.key == "format")
            return false;
    }
    return true;
}

} // namespace safescope
