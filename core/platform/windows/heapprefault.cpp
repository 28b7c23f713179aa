#include "core/platform/heapprefault.h"

namespace safescope::platform {

// The Windows heap commits and faults its pages as the process touches them; nothing here takes its place.
std::size_t prefaultHeap(std::size_t)
{
    return 0;
}

void releaseThreadHeap() {}

void releaseFreeHeap() {}

} // namespace safescope::platform
