#include "core/edit/shardmetadataagreement.h"

#include "core/format/model.h"

#include <QFileInfo>

#include <map>
#include <unordered_map>

namespace safescope {

namespace {

constexpr qsizetype kNamedShards = 2; // per value: "a, b and 3 more"

QString namesOf(const QStringList& names)
{
    if (names.size() <= kNamedShards + 1)
        return names.join(QStringLiteral(", "));
    return QStringLiteral("%1 and %2 more")
        .arg(names.first(kNamedShards).join(QStringLiteral(", ")))
        .arg(names.size() - kNamedShards);
}

QString quoted(const std::string& value)
{
    constexpr qsizetype kShown = 60;
    QString text = QString::fromStdString(value);
    if (text.size() > kShown)
        text = text.left(kShown) + QStringLiteral("...");
    return QLatin1Char('"') + text + QLatin1Char('"');
}

void compareGroup(const Model& model, const QString& component, const std::vector<size_t>& group,
                  std::vector<ShardMetadataDifference>& out)
{
    if (group.size() < 2)
        return;
    std::vector<std::string> order;
    std::unordered_map<std::string, std::vector<std::optional<std::string>>> values;
    for (size_t position = 0; position < group.size(); ++position) {
        const Model::Shard& shard = model.shards()[group[position]];
        for (const MetadataEntry& entry : shard.file->header().metadata) {
            auto [it, added] = values.try_emplace(entry.key, group.size());
            if (added)
                order.push_back(entry.key);
            it->second[position] = entry.value;
        }
    }
    for (const std::string& key : order) {
        const auto& perShard = values[key];
        bool uniform = true;
        for (const std::optional<std::string>& value : perShard)
            uniform = uniform && value && *value == *perShard.front();
        if (uniform)
            continue;
        ShardMetadataDifference difference;
        difference.component = component;
        difference.key = key;
        for (size_t index : group)
            difference.shards << model.shards()[index].path;
        difference.values = perShard;
        out.push_back(std::move(difference));
    }
}

} // namespace

QString ShardMetadataDifference::describe() const
{
    // Shards grouped by value, in order of first appearance; "missing" last.
    std::vector<std::pair<std::optional<std::string>, QStringList>> byValue;
    for (size_t i = 0; i < values.size(); ++i) {
        const QString name = QFileInfo(shards.value(static_cast<qsizetype>(i))).fileName();
        auto found =
            std::find_if(byValue.begin(), byValue.end(), [&](const auto& group) { return group.first == values[i]; });
        if (found == byValue.end())
            byValue.push_back({values[i], {name}});
        else
            found->second << name;
    }
    std::stable_partition(byValue.begin(), byValue.end(), [](const auto& group) { return group.first.has_value(); });
    QStringList parts;
    for (const auto& [value, names] : byValue)
        parts << (value ? QStringLiteral("%1 in %2").arg(quoted(*value), namesOf(names))
                        : QStringLiteral("missing in %1").arg(namesOf(names)));
    const QString where = component.isEmpty() ? QString() : QStringLiteral(" of component '%1'").arg(component);
    return QStringLiteral("metadata key '%1' differs between the %2 shards%3: %4")
        .arg(QString::fromStdString(key))
        .arg(values.size())
        .arg(where, parts.join(QStringLiteral("; ")));
}

Warning ShardMetadataDifference::toWarning() const
{
    return Warning{QStringLiteral("ShardMetadataDiffers"), describe(), QString(), QString(), std::nullopt};
}

std::vector<ShardMetadataDifference> shardMetadataDifferences(const Model& model)
{
    std::vector<ShardMetadataDifference> out;
    if (model.shards().size() < 2)
        return out;
    std::map<QString, std::vector<size_t>> groups; // by component, top level ("") first
    for (size_t i = 0; i < model.shards().size(); ++i)
        groups[model.shards()[i].component].push_back(i);
    for (const auto& [component, group] : groups) {
        // A plain folder of .safetensors files without an index holds files that need not be shards of one model.
        if (component.isEmpty() && model.indexPath().isEmpty() && model.source() == Model::Source::Folder)
            continue;
        compareGroup(model, component, group, out);
    }
    return out;
}

} // namespace safescope
