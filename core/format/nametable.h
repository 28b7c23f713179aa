#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace safescope {

/// A growing set of names, each known by the position it was first inserted at. Open addressing over positions with
/// each position's hash kept beside it (8 bytes a name, no node, no copy of the name): the model builder puts every
/// tensor of a 92,000-tensor, 163-shard checkpoint through it once, where std::unordered_map<std::string, ...> cost
/// an allocation and a rehash chain per name. Names are read back through `nameOf`, so their storage may move.
class NameTable final
{
public:
    using NameOf = std::function<std::string_view(uint32_t)>;

    explicit NameTable(NameOf nameOf);

    /// Records `name` as position `position` (positions are inserted in increasing order, each once). Returns the
    /// first position that had this name: `position` itself when the name is new.
    uint32_t insert(uint32_t position, std::string_view name);
    std::optional<uint32_t> find(std::string_view name) const;
    /// Sizes the table for `count` names at once, sparing the rehashes of growing one name at a time.
    void reserve(size_t count);

private:
    static constexpr uint32_t kEmpty = UINT32_MAX;
    static uint64_t hash(std::string_view name);
    void grow();

    NameOf m_nameOf;
    std::vector<uint32_t> m_slots;
    std::vector<uint64_t> m_hashes; ///< by position; 0 for positions that repeat an earlier name
    size_t m_count = 0;
};

} // namespace safescope
