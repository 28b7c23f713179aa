#include "core/format/nameindex.h"

#include <bit>

namespace safescope {

NameIndex::NameIndex(uint32_t count, NameOf nameOf) : m_nameOf(std::move(nameOf))
{
    if (count == 0)
        return;
    m_slots.assign(std::bit_ceil(size_t{count} * 2), kEmpty);
    const size_t mask = m_slots.size() - 1;
    for (uint32_t position = 0; position < count; ++position) {
        const std::string_view name = m_nameOf(position);
        for (size_t slot = hash(name) & mask;; slot = (slot + 1) & mask) {
            if (m_slots[slot] == kEmpty) {
                m_slots[slot] = position;
                break;
            }
            if (m_nameOf(m_slots[slot]) == name)
                break; // a repeated name keeps its first position
        }
    }
}

std::optional<uint32_t> NameIndex::find(std::string_view name) const
{
    if (m_slots.empty())
        return std::nullopt;
    const size_t mask = m_slots.size() - 1;
    for (size_t slot = hash(name) & mask;; slot = (slot + 1) & mask) {
        const uint32_t position = m_slots[slot];
        if (position == kEmpty)
            return std::nullopt;
        if (m_nameOf(position) == name)
            return position;
    }
}

} // namespace safescope
