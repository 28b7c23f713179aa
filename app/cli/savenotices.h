#pragma once

#include "core/edit/leftovers.h"
#include "core/edit/shardmetadataagreement.h"

#include <QTextStream>
#include <nlohmann/json.hpp>

#include <vector>

namespace safescope::cli {

/// Problems of a model that do not make it invalid (issue 15): shards whose `__metadata__` disagree and files left
/// by interrupted saves. validate, meta (and info) print them the same way.
nlohmann::json disagreementsJson(const std::vector<ShardMetadataDifference>& differences);
nlohmann::json leftoversJson(const std::vector<Leftover>& leftovers);
/// "  warning: ShardMetadataDiffers: ..." and "  warning: Leftover: ...; clean up with: COMMAND", one line each.
void printNotices(QTextStream& out, const std::vector<ShardMetadataDifference>& differences,
                  const std::vector<Leftover>& leftovers);

} // namespace safescope::cli
