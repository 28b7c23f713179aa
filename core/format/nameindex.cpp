#include "core/format/nameindex.h"

#include <bit>

namespace safescope {

void NameIndex::allocate(uint32_t count)
{
    // Positions stay below UINT32_MAX, so no entry equals kEmpty (all ones) whatever its tag.
    m_slots.assign(std::bit_ceil(size_t{count} * 2), kEmpty);
}

} // namespace safescope
