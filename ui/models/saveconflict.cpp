#include "ui/models/saveconflict.h"

#include "core/edit/headersnapshot.h"

#include <algorithm>

namespace safescope {

std::optional<SaveConflict> findSaveConflict(const std::vector<SaveTarget>& targets, DiskState& state)
{
    state = {};
    SaveConflict conflict;
    for (const SaveTarget& target : targets) {
        auto snapshot = HeaderSnapshot::reopen(target.path);
        if (!snapshot) {
            // A file that was already unreadable this strictly when opened is the save's to refuse, not a change.
            auto now = FileIdentity::read(target.path);
            state.identities.push_back(now ? *now : FileIdentity{});
            state.metadata.push_back(target.base);
            if (now && now->sameAs(target.identity))
                continue;
            conflict.changedFiles.append(target.path);
            conflict.canReapply = false;
            conflict.readError = snapshot.error().describe();
            continue;
        }
        // The identity of the very bytes the merge starts from: a save requires exactly this file.
        const FileIdentity now = FileIdentity::of(snapshot->identity(), snapshot->bytes());
        state.identities.push_back(now);
        state.metadata.push_back(snapshot->header().metadata);
        if (now.sameAs(target.identity))
            continue;
        conflict.changedFiles.append(target.path);
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
