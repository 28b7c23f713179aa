#include "core/io/pagephase.h"

#include <algorithm>
#include <unordered_map>

namespace safescope {

uint64_t headerLengthInPhase(uint64_t minimum, uint64_t wantedDataStart, uint64_t limit)
{
    if (wantedDataStart % 8 != 0)
        return minimum;
    const uint64_t have = (8 + minimum) % kPagePhaseSize;
    const uint64_t want = wantedDataStart % kPagePhaseSize;
    const uint64_t length = minimum + (want + kPagePhaseSize - have) % kPagePhaseSize;
    return length <= limit ? length : minimum;
}

std::optional<uint64_t> bestDataStartPhase(std::span<const CopySpan> spans)
{
    std::unordered_map<uint64_t, uint64_t> bytesByPhase;
    for (const CopySpan& span : spans) {
        // The data start d puts this span in phase when d + dataOffset = sourceOffset (mod 4096).
        const uint64_t phase =
            (span.sourceOffset % kPagePhaseSize + kPagePhaseSize - span.dataOffset % kPagePhaseSize) % kPagePhaseSize;
        bytesByPhase[phase] += span.length;
    }
    if (bytesByPhase.empty())
        return std::nullopt;
    // Ties go to the lower phase, so the choice does not depend on the map's order.
    const auto best = std::max_element(bytesByPhase.begin(), bytesByPhase.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second < b.second : a.first > b.first;
    });
    return best->first;
}

} // namespace safescope
