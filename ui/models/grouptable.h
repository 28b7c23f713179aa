#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace safescope {

/// Finds a group node by (parent, segment) while the tree is built. Open addressing over node ids, each slot holding
/// 32 bits of its key's hash beside the id: a probe that meets another group compares those bits and reads no key
/// (reading one was a cache miss into the nodes, a fifth of placing a name), and growing rehashes from them alone.
/// The table is freed as soon as the build ends. `Key(id)` gives a group's (parent, segment).
template <typename Key> class GroupTable
{
public:
    /// Sized so that `expectedGroups` fit without growing.
    GroupTable(Key key, size_t expectedGroups)
        : m_key(std::move(key)), m_slots(std::max<size_t>(1024, std::bit_ceil(2 * expectedGroups + 2)), kEmptySlot)
    {}

    static uint32_t hash(uint32_t parent, std::string_view segment)
    {
        const uint64_t h = std::hash<std::string_view>{}(segment) ^ (uint64_t{parent} * 0x9E3779B97F4A7C15ULL);
        return static_cast<uint32_t>(h ^ (h >> 32));
    }

    /// The group's node id, or kEmpty; `hash` is hash(parent, segment).
    uint32_t find(uint32_t parent, std::string_view segment, uint32_t hash) const
    {
        for (size_t slot = hash & mask();; slot = (slot + 1) & mask()) {
            const uint64_t entry = m_slots[slot];
            if (entry == kEmptySlot)
                return kEmpty;
            if (static_cast<uint32_t>(entry >> 32) != hash)
                continue;
            const auto id = static_cast<uint32_t>(entry);
            if (const auto [idParent, idSegment] = m_key(id); idParent == parent && idSegment == segment)
                return id;
        }
    }

    void insert(uint32_t id, uint32_t hash)
    {
        if (2 * (m_size + 1) > m_slots.size())
            grow();
        place(uint64_t{hash} << 32 | id);
        ++m_size;
    }

    static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max(); ///< TensorTree::kNone: no id

private:
    // No entry equals it: an id is never kNone.
    static constexpr uint64_t kEmptySlot = std::numeric_limits<uint64_t>::max();

    size_t mask() const { return m_slots.size() - 1; }

    void place(uint64_t entry)
    {
        size_t slot = static_cast<size_t>(entry >> 32) & mask();
        while (m_slots[slot] != kEmptySlot)
            slot = (slot + 1) & mask();
        m_slots[slot] = entry;
    }

    void grow()
    {
        std::vector<uint64_t> old(m_slots.size() * 2, kEmptySlot);
        old.swap(m_slots);
        for (const uint64_t entry : old) {
            if (entry != kEmptySlot)
                place(entry);
        }
    }

    Key m_key;
    std::vector<uint64_t> m_slots;
    size_t m_size = 0;
};

} // namespace safescope
