#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace safescope {

/// Finds a position by name. Open addressing over positions, at most half full: the names themselves stay where
/// they are, so a 100,000-tensor model pays 2 MiB here instead of a node, a bucket and a key copy per name in a
/// std::unordered_map. Each slot keeps 32 bits of its name's hash beside the position, so a probe that meets
/// another name is settled without reading that name (a cache miss into the header, each time).
///
/// The index holds no reference to the names: the owner passes `nameOf` (position -> name) to every call, so an
/// index can live in a copyable or movable value such as QuantCatalog.
class NameIndex final
{
public:
    NameIndex() = default;
    /// Indexes positions 0..count-1. The first of equal names wins.
    template <typename NameOf> NameIndex(uint32_t count, const NameOf& nameOf)
    {
        if (count == 0)
            return;
        allocate(count);
        for (uint32_t position = 0; position < count; ++position) {
            const std::string_view name = nameOf(position);
            const uint64_t h = hash(name);
            for (size_t slot = h & mask();; slot = (slot + 1) & mask()) {
                if (m_slots[slot] == kEmpty) {
                    m_slots[slot] = entry(h, position);
                    break;
                }
                if (tagOf(m_slots[slot]) == tagOf(h) && nameOf(positionOf(m_slots[slot])) == name) {
                    m_repeats = true;
                    break; // a repeated name keeps its first position
                }
            }
        }
    }

    template <typename NameOf> std::optional<uint32_t> find(std::string_view name, const NameOf& nameOf) const
    {
        if (m_slots.empty())
            return std::nullopt;
        const uint64_t h = hash(name);
        for (size_t slot = h & mask();; slot = (slot + 1) & mask()) {
            const uint64_t e = m_slots[slot];
            if (e == kEmpty)
                return std::nullopt;
            if (tagOf(e) == tagOf(h) && nameOf(positionOf(e)) == name)
                return positionOf(e);
        }
    }

    bool empty() const { return m_slots.empty(); }
    /// Whether two positions had the same name (find() answers the first of them).
    bool hasRepeats() const { return m_repeats; }

private:
    static constexpr uint64_t kEmpty = UINT64_MAX;
    // The slot comes from the hash's low bits, the tag from its high ones, so the two are independent.
    static uint64_t hash(std::string_view name) { return std::hash<std::string_view>{}(name); }
    static uint32_t tagOf(uint64_t hashOrEntry) { return static_cast<uint32_t>(hashOrEntry >> 32); }
    static uint32_t positionOf(uint64_t entry) { return static_cast<uint32_t>(entry); }
    static uint64_t entry(uint64_t h, uint32_t position) { return (h & 0xFFFFFFFF00000000ULL) | position; }
    size_t mask() const { return m_slots.size() - 1; }
    void allocate(uint32_t count);

    std::vector<uint64_t> m_slots;
    bool m_repeats = false;
};

} // namespace safescope
