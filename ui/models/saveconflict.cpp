#include "ui/models/saveconflict.h"

#include "core/headersnapshot.h"

#include <algorithm>

namespace safescope {

namespace {

bool sameEntries(const std::vector<MetadataEntry>& a, const std::vector<MetadataEntry>& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const MetadataEntry& x, const MetadataEntry& y) {
        return x.key == y.key && x.value == y.value;
    });
}

} // namespace

std::optional<SaveConflict> findSaveConflict(const std::vector<SaveTarget>& targets, DiskState& state)
{
    state = {};
    SaveConflict conflict;
    for (const SaveTarget& target : targets) {
        // The header is read even when the identity agrees: an in-place edit within one tick of the file system's
        // clock keeps size, inode and mtime, but not the metadata.
        auto snapshot = HeaderSnapshot::reopen(target.path);
        if (!snapshot) {
            // A file that was already unreadable this strictly when opened is the save's to refuse, not a change.
            const DiskIdentity now = DiskIdentity::read(target.path);
            state.identities.push_back(now);
            state.metadata.push_back(target.base);
            if (now.sameAs(target.identity))
                continue;
            conflict.changedFiles.append(target.path);
            conflict.canReapply = false;
            conflict.readError = snapshot.error().describe();
            continue;
        }
        const DiskIdentity now = DiskIdentity::fromStat(snapshot->identity());
        state.identities.push_back(now);
        state.metadata.push_back(snapshot->header().metadata);
        if (now.sameAs(target.identity) && sameEntries(snapshot->header().metadata, target.base))
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
