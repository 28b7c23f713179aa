#include "ui/models/saveconflict.h"

#include "core/headersnapshot.h"

#include <algorithm>

namespace safescope {

std::optional<SaveConflict> findSaveConflict(const std::vector<SaveTarget>& targets, DiskState& state)
{
    state = {};
    SaveConflict conflict;
    for (const SaveTarget& target : targets) {
        DiskIdentity now = DiskIdentity::read(target.path);
        if (now.sameAs(target.identity)) {
            state.identities.push_back(now);
            state.metadata.push_back(target.base);
            continue;
        }
        conflict.changedFiles.append(target.path);
        auto snapshot = HeaderSnapshot::reopen(target.path);
        if (!snapshot) {
            conflict.canReapply = false;
            conflict.readError = snapshot.error().describe();
            state.identities.push_back(now);
            state.metadata.push_back({});
            continue;
        }
        state.identities.push_back(DiskIdentity::fromStat(snapshot->identity()));
        state.metadata.push_back(snapshot->header().metadata);
        const MetadataMerge merge = mergeMetadata(target.base, target.mine, snapshot->header().metadata);
        for (const MetadataConflict& item : merge.conflicts) {
            const auto same = [&](const MetadataConflict& other) { return other.key == item.key; };
            if (std::none_of(conflict.conflicts.begin(), conflict.conflicts.end(), same))
                conflict.conflicts.push_back(item);
        }
        for (const std::string& key : merge.changedOnDisk) {
            if (std::find(conflict.changedOnDisk.begin(), conflict.changedOnDisk.end(), key) ==
                conflict.changedOnDisk.end())
                conflict.changedOnDisk.push_back(key);
        }
    }
    if (conflict.changedFiles.isEmpty())
        return std::nullopt;
    return conflict;
}

} // namespace safescope
