#include "core/format/nametable.h"

#include <algorithm>

namespace safescope {

NameTable::NameTable(NameOf nameOf) : m_nameOf(std::move(nameOf)) {}

uint64_t NameTable::hash(std::string_view name)
{
    // libstdc++'s is murmur-based, 8 bytes a step: a third of the time of the header parser's byte-wise FNV here.
    return std::hash<std::string_view>{}(name);
}

void NameTable::grow()
{
    std::vector<uint32_t> table(std::max<size_t>(64, m_slots.size() * 2), kEmpty);
    const size_t mask = table.size() - 1;
    for (const uint32_t position : m_slots) {
        if (position == kEmpty)
            continue;
        size_t slot = m_hashes[position] & mask;
        while (table[slot] != kEmpty)
            slot = (slot + 1) & mask;
        table[slot] = position;
    }
    m_slots.swap(table);
}

void NameTable::reserve(size_t count)
{
    while (count * 2 > m_slots.size())
        grow();
    m_hashes.reserve(count);
}

uint32_t NameTable::insert(uint32_t position, std::string_view name)
{
    if ((m_count + 1) * 2 > m_slots.size())
        grow();
    const uint64_t value = hash(name);
    if (m_hashes.size() <= position)
        m_hashes.resize(position + 1, 0);
    const size_t mask = m_slots.size() - 1;
    for (size_t slot = value & mask;; slot = (slot + 1) & mask) {
        const uint32_t other = m_slots[slot];
        if (other == kEmpty) {
            m_slots[slot] = position;
            m_hashes[position] = value;
            ++m_count;
            return position;
        }
        if (m_hashes[other] == value && m_nameOf(other) == name)
            return other;
    }
}

std::optional<uint32_t> NameTable::find(std::string_view name) const
{
    if (m_slots.empty())
        return std::nullopt;
    const uint64_t value = hash(name);
    const size_t mask = m_slots.size() - 1;
    for (size_t slot = value & mask;; slot = (slot + 1) & mask) {
        const uint32_t other = m_slots[slot];
        if (other == kEmpty)
            return std::nullopt;
        if (m_hashes[other] == value && m_nameOf(other) == name)
            return other;
    }
}

} // namespace safescope
