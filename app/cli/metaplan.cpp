#include "metaplan.h"

#include "core/edit/headertext.h"
#include "core/text/format.h"
#include "jsonoutput.h"

#include <QStringList>

namespace safescope::cli {

namespace {

QString keyList(const std::vector<std::string>& keys)
{
    QStringList names;
    for (const std::string& key : keys)
        names.push_back(QString::fromStdString(key));
    return names.join(QStringLiteral(", "));
}

nlohmann::json keysArray(const std::vector<std::string>& keys)
{
    nlohmann::json array = nlohmann::json::array();
    for (const std::string& key : keys)
        array.push_back(key);
    return array;
}

} // namespace

std::vector<PlannedSave> planSaves(const Model& model, const MetadataEdit& edit, const MetadataSaveOptions& options)
{
    std::vector<PlannedSave> plans;
    for (const Model::Shard& shard : model.shards()) {
        const Header& header = shard.file->header();
        const auto after = edit.apply(header.metadata);
        const std::string text = headerTextKeepingLayout(header, after);
        PlannedSave plan;
        plan.path = options.outputPath.isEmpty() ? shard.path : options.outputPath;
        plan.plan = planHeaderSave(header, text.size(), !options.forceRewrite && options.outputPath.isEmpty(),
                                   options.reserveBytes);
        plan.changes = compareMetadata(header.metadata, after.value_or(std::vector<MetadataEntry>{}));
        plans.push_back(std::move(plan));
    }
    return plans;
}

QString describePlan(const PlannedSave& plan)
{
    const SavePlan& save = plan.plan;
    QString line =
        QStringLiteral("would save %1: %2 (header %3 -> %4 bytes, file %5 -> %6 bytes)")
            .arg(QString::fromLatin1(saveMethodName(save.method)), plan.path, format::count(save.oldHeaderLength),
                 format::count(save.newHeaderLength), format::count(save.oldFileSize), format::count(save.newFileSize));
    if (plan.changes.empty())
        return line + QStringLiteral("; no key changes");
    if (!plan.changes.removed.empty())
        line += QStringLiteral("; removed: ") + keyList(plan.changes.removed);
    if (!plan.changes.added.empty())
        line += QStringLiteral("; added: ") + keyList(plan.changes.added);
    if (!plan.changes.changed.empty())
        line += QStringLiteral("; changed: ") + keyList(plan.changes.changed);
    return line;
}

nlohmann::json planJson(const PlannedSave& plan)
{
    return {{"path", toStd(plan.path)},
            {"method", saveMethodName(plan.plan.method)},
            {"old_header_length", plan.plan.oldHeaderLength},
            {"new_header_length", plan.plan.newHeaderLength},
            {"old_file_size", plan.plan.oldFileSize},
            {"new_file_size", plan.plan.newFileSize},
            {"added", keysArray(plan.changes.added)},
            {"removed", keysArray(plan.changes.removed)},
            {"changed", keysArray(plan.changes.changed)}};
}

} // namespace safescope::cli
