#include "core/pagephase.h"

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
    uint64_t best = 0;
    uint64_t bestBytes = 0;
    bool first = true;
    for (const auto& [phase, bytes] : bytesByPhase) {
        // Ties go to the lower phase, so the choice does not depend on the map's order.
        if (first || bytes > bestBytes || (bytes == bestBytes && phase < best)) {
            best = phase;
            bestBytes = bytes;
            first = false;
        }
    }
    return best;
}

} // namespace safescope
