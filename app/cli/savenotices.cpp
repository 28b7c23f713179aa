#include "savenotices.h"

#include "jsonoutput.h"

#include <QFileInfo>

namespace safescope::cli {

nlohmann::json disagreementsJson(const std::vector<ShardMetadataDifference>& differences)
{
    nlohmann::json list = nlohmann::json::array();
    for (const ShardMetadataDifference& difference : differences) {
        nlohmann::json values = nlohmann::json::object();
        for (size_t i = 0; i < difference.values.size(); ++i) {
            const std::string shard = toStd(QFileInfo(difference.shards.value(static_cast<qsizetype>(i))).fileName());
            values[shard] = difference.values[i] ? nlohmann::json(*difference.values[i]) : nlohmann::json();
        }
        list.push_back({{"key", difference.key},
                        {"component", toStd(difference.component)},
                        {"values", std::move(values)},
                        {"message", toStd(difference.describe())}});
    }
    return list;
}

nlohmann::json leftoversJson(const std::vector<Leftover>& leftovers)
{
    nlohmann::json list = nlohmann::json::array();
    for (const Leftover& leftover : leftovers)
        list.push_back({{"kind", leftoverKindName(leftover.kind)},
                        {"path", toStd(leftover.path)},
                        {"file", toStd(leftover.file)},
                        {"size", leftover.size},
                        {"message", toStd(leftover.message)},
                        {"command", toStd(leftover.command)}});
    return list;
}

void printNotices(QTextStream& out, const std::vector<ShardMetadataDifference>& differences,
                  const std::vector<Leftover>& leftovers)
{
    for (const ShardMetadataDifference& difference : differences)
        out << "  warning: ShardMetadataDiffers: " << difference.describe() << '\n';
    for (const Leftover& leftover : leftovers)
        out << "  warning: Leftover: " << leftover.message << "; clean up with: " << leftover.command << '\n';
}

} // namespace safescope::cli
