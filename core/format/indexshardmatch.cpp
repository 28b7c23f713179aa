#include "core/format/indexshardmatch.h"

#include "core/format/foreachparallel.h"
#include "core/format/nametable.h"

#include <atomic>
#include <optional>

namespace safescope {

bool indexMatchesShards(const ShardIndex& index, const std::vector<std::shared_ptr<const SafetensorsFile>>& files)
{
    std::vector<std::optional<NameTable>> tables(files.size());
    std::atomic_bool repeated = false;
    forEachParallel(files.size(), 8, [&](size_t i) {
        if (!files[i])
            return;
        const std::vector<TensorInfo>& tensors = files[i]->header().tensors;
        NameTable& table = tables[i].emplace([&tensors](uint32_t t) { return tensors[t].name; });
        table.reserve(tensors.size());
        for (uint32_t t = 0; t < tensors.size(); ++t)
            if (table.insert(t, tensors[t].name) != t)
                repeated = true; // a name twice in one header: let the full check sort it out
    });
    if (repeated)
        return false;
    size_t listed = 0;
    for (const WeightMapEntry& entry : index.weightMap) {
        const std::optional<NameTable>& table = tables[entry.shard];
        if (!table)
            continue;
        if (!table->find(entry.tensor))
            return false;
        ++listed;
    }
    // Names in weight_map are distinct and each was found in its shard: with equal counts, nothing else is there.
    size_t held = 0;
    for (const auto& file : files)
        held += file ? file->header().tensors.size() : 0;
    return held == listed;
}

} // namespace safescope
