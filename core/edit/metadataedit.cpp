#include "core/edit/metadataedit.h"

#include <algorithm>

namespace safescope {

std::optional<std::vector<MetadataEntry>> MetadataEdit::apply(const std::vector<MetadataEntry>& current) const
{
    std::vector<MetadataEntry> result;
    if (!clear)
        result = current;
    std::erase_if(result, [this](const MetadataEntry& entry) {
        return std::find(unset.begin(), unset.end(), entry.key) != unset.end();
    });
    for (const MetadataEntry& entry : set) {
        const auto found = std::find_if(result.begin(), result.end(),
                                        [&entry](const MetadataEntry& existing) { return existing.key == entry.key; });
        if (found != result.end())
            found->value = entry.value;
        else
            result.push_back(entry);
    }
    if (result.empty())
        return std::nullopt;
    return result;
}

} // namespace safescope
