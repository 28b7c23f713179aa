#pragma once

#include "core/format/header.h"

#include <string>
#include <vector>

namespace safescope {

/// How B's `__metadata__` differs from A's. Entries keep A's key order (B's for added keys).
struct MetadataDiff
{
    struct Change
    {
        std::string key;
        std::string valueA;
        std::string valueB;
    };
    std::vector<MetadataEntry> added;   ///< in B only
    std::vector<MetadataEntry> removed; ///< in A only
    std::vector<Change> changed;        ///< in both, values differ

    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
    size_t size() const { return added.size() + removed.size() + changed.size(); }
};

/// Compares two metadata lists by key (a repeated key: the last value counts, as the header parser keeps it).
MetadataDiff diffMetadata(const std::vector<MetadataEntry>& a, const std::vector<MetadataEntry>& b);

} // namespace safescope
