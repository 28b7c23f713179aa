#include "core/diff/metadatadiff.h"

#include <unordered_map>

namespace safescope {

MetadataDiff diffMetadata(const std::vector<MetadataEntry>& a, const std::vector<MetadataEntry>& b)
{
    std::unordered_map<std::string_view, const std::string*> inA, inB;
    for (const MetadataEntry& e : a)
        inA[e.key] = &e.value;
    for (const MetadataEntry& e : b)
        inB[e.key] = &e.value;

    MetadataDiff diff;
    for (const MetadataEntry& e : a) {
        if (inA[e.key] != &e.value)
            continue; // an earlier occurrence of a repeated key
        const auto other = inB.find(e.key);
        if (other == inB.end())
            diff.removed.push_back(e);
        else if (*other->second != e.value)
            diff.changed.push_back({e.key, e.value, *other->second});
    }
    for (const MetadataEntry& e : b) {
        if (inB[e.key] == &e.value && !inA.contains(e.key))
            diff.added.push_back(e);
    }
    return diff;
}

} // namespace safescope
