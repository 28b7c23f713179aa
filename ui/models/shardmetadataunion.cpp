#include "ui/models/shardmetadataunion.h"

#include "core/format/model.h"

#include <QFileInfo>

#include <algorithm>
#include <unordered_map>

namespace safescope {

namespace {

constexpr qsizetype kNamedShards = 2; // "missing in a, b and 3 more"

std::vector<std::vector<MetadataEntry>> metadataOf(const Model& model)
{
    std::vector<std::vector<MetadataEntry>> metadata;
    for (const Model::Shard& shard : model.shards())
        metadata.push_back(shard.file->header().metadata);
    return metadata;
}

QStringList namesOf(const Model& model)
{
    QStringList names;
    for (const Model::Shard& shard : model.shards())
        names.append(QFileInfo(shard.path).fileName());
    return names;
}

} // namespace

bool ShardMetadataUnion::Key::isUniform() const
{
    for (const std::optional<std::string>& value : values) {
        if (!value || *value != *values.front())
            return false;
    }
    return true;
}

ShardMetadataUnion::ShardMetadataUnion(const Model& model) : ShardMetadataUnion(namesOf(model), metadataOf(model)) {}

ShardMetadataUnion::ShardMetadataUnion(QStringList shardNames, const std::vector<std::vector<MetadataEntry>>& metadata)
    : m_names(std::move(shardNames))
{
    std::unordered_map<std::string, size_t> position;
    for (size_t shard = 0; shard < metadata.size(); ++shard) {
        for (const MetadataEntry& entry : metadata[shard]) {
            auto [it, added] = position.try_emplace(entry.key, m_keys.size());
            if (added)
                m_keys.push_back({entry.key, std::vector<std::optional<std::string>>(metadata.size())});
            m_keys[it->second].values[shard] = entry.value;
        }
    }
}

const ShardMetadataUnion::Key* ShardMetadataUnion::find(const QString& key) const
{
    const std::string wanted = key.toStdString();
    for (const Key& candidate : m_keys) {
        if (candidate.key == wanted)
            return &candidate;
    }
    return nullptr;
}

QString ShardMetadataUnion::summary(const Key& key) const
{
    if (key.isUniform())
        return {};
    QStringList missing;
    std::vector<const std::string*> distinct;
    int present = 0;
    for (size_t shard = 0; shard < key.values.size(); ++shard) {
        const std::optional<std::string>& value = key.values[shard];
        if (!value) {
            missing.append(m_names.value(static_cast<qsizetype>(shard)));
            continue;
        }
        ++present;
        if (std::none_of(distinct.begin(), distinct.end(), [&](const std::string* seen) { return *seen == *value; }))
            distinct.push_back(&*value);
    }
    QString where;
    if (!missing.isEmpty()) {
        where = missing.size() <= kNamedShards
                    ? missing.join(QStringLiteral(", "))
                    : tr("%1 and %n more", nullptr, static_cast<int>(missing.size() - kNamedShards))
                          .arg(missing.first(kNamedShards).join(QStringLiteral(", ")));
        where = tr("missing in %1").arg(where);
    }
    if (distinct.size() == 1) // the same value wherever the key is present
        return QStringLiteral("\u2039%1\u203a %2").arg(where, QString::fromStdString(*distinct.front()));
    const QString differs = tr("differs across %n shard(s)", nullptr, present);
    return where.isEmpty() ? QStringLiteral("\u2039%1\u203a").arg(differs)
                           : QStringLiteral("\u2039%1; %2\u203a").arg(differs, where);
}

std::vector<MetadataEntry> ShardMetadataUnion::editorEntries() const
{
    std::vector<MetadataEntry> entries;
    entries.reserve(m_keys.size());
    for (const Key& key : m_keys)
        entries.push_back({key.key, key.isUniform() ? *key.values.front() : summary(key).toStdString()});
    return entries;
}

bool ShardMetadataUnion::isSummaryRow(const QString& key, const QString& value) const
{
    const Key* found = find(key);
    return found != nullptr && !found->isUniform() && value == summary(*found);
}

QString ShardMetadataUnion::firstValue(const QString& key) const
{
    if (const Key* found = find(key)) {
        for (const std::optional<std::string>& value : found->values) {
            if (value)
                return QString::fromStdString(*value);
        }
    }
    return {};
}

QString ShardMetadataUnion::details(const QString& key) const
{
    const Key* found = find(key);
    if (found == nullptr)
        return {};
    QString text = tr("The shards do not agree on this key. Keys left alone keep each shard's own value; an edited "
                      "value is saved into every shard.");
    for (size_t shard = 0; shard < found->values.size(); ++shard) {
        const std::optional<std::string>& value = found->values[shard];
        text += QStringLiteral("\n\n") + m_names.value(static_cast<qsizetype>(shard)) + QStringLiteral(":\n") +
                (value ? QString::fromStdString(*value) : tr("(missing)"));
    }
    return text;
}

} // namespace safescope
