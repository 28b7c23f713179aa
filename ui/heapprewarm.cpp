#include "ui/heapprewarm.h"

#include "ui/allocatortuning.h"

#include <algorithm>
#include <cstdlib>

namespace safescope {

void prewarmHeap(size_t bytes)
{
#if defined(__GLIBC__)
    bytes = std::min(bytes, maxPrewarmBytes());
    if (bytes == 0)
        return;
    auto* block = static_cast<volatile char*>(std::malloc(bytes));
    if (block == nullptr)
        return;
    constexpr size_t kPage = 4096;
    for (size_t offset = 0; offset < bytes; offset += kPage)
        block[offset] = 0;
    std::free(const_cast<char*>(block));
#else
    (void)bytes;
#endif
}

size_t maxPrewarmBytes()
{
    return kHeapMmapThreshold / 2;
}

} // namespace safescope
