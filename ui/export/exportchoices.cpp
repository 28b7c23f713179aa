#include "ui/export/exportchoices.h"

#include "core/export/renamerule.h"
#include "core/format/dtype.h"
#include "core/format/model.h"
#include "ui/models/tensorfilter.h"

#include <QCoreApplication>
#include <QDir>

namespace safescope {

namespace {

Result<std::vector<RenameRule>> parseRenameLines(const QString& text)
{
    std::vector<RenameRule> rules;
    for (const QString& raw : text.split(u'\n', Qt::SkipEmptyParts)) {
        const QString line = raw.trimmed();
        if (line.startsWith(QLatin1StringView("strip:"))) {
            rules.push_back(RenameRule::stripPrefix(line.mid(6)));
        } else if (line.startsWith(QLatin1StringView("add:"))) {
            rules.push_back(RenameRule::addPrefix(line.mid(4)));
        } else if (!line.isEmpty()) {
            auto rule = RenameRule::parseSubstitution(line);
            if (!rule)
                return rule.error();
            rules.push_back(std::move(*rule));
        }
    }
    return rules;
}

} // namespace

Result<ExportOptions> ExportChoices::toOptions(const Model& model) const
{
    ExportOptions options;
    if (!include.isEmpty())
        options.selection.include.append(include);
    if (!exclude.isEmpty())
        options.selection.exclude.append(exclude);
    if (tensors == Tensors::MatchingFilter) {
        const TensorFilter parsed = TensorFilter::parse(filter);
        std::vector<std::string> names;
        for (size_t i = 0; i < model.tensorCount(); ++i) {
            if (parsed.matches(model.tensor(i), model.qualifiedName(i)))
                names.emplace_back(model.qualifiedName(i));
        }
        options.selection.names = std::move(names);
    } else if (tensors == Tensors::Ticked) {
        std::vector<std::string> names;
        for (const size_t i : ticked)
            names.emplace_back(model.qualifiedName(i));
        options.selection.names = std::move(names);
    }
    auto rules = parseRenameLines(renameRules);
    if (!rules)
        return rules.error();
    options.renames = std::move(*rules);
    if (!dtype.isEmpty())
        options.targetDtype = dtypeFromName(dtype.toStdString());
    options.metadataPolicy = dropMetadata ? MetadataPolicy::Drop : MetadataPolicy::Keep;
    if (sharded) {
        const auto size = parseByteSize(shardSize);
        if (!size || *size == 0)
            return makeError(ErrorKind::InvalidArgument,
                             QCoreApplication::translate("safescope::ExportDialog",
                                                         "\u201c%1\u201d is not a shard size (e.g. 5GB, 500MB).")
                                 .arg(shardSize));
        options.maxShardSize = *size;
    }
    options.outputPath = output.trimmed();
    if (options.outputPath.isEmpty())
        options.outputPath = QDir::temp().filePath(QStringLiteral("export-preview.safetensors")); // names only
    return options;
}

} // namespace safescope
