#include "ui/heapprewarm.h"

#include "ui/allocatortuning.h"

#include <algorithm>
#include <cstdlib>

namespace safescope {

namespace {

void touchAndFree(size_t bytes)
{
    auto* block = static_cast<volatile char*>(std::malloc(bytes));
    if (block == nullptr)
        return;
    constexpr size_t kPage = 4096;
    for (size_t offset = 0; offset < bytes; offset += kPage)
        block[offset] = 0;
    std::free(const_cast<char*>(block));
}

} // namespace

HeapPrewarm::HeapPrewarm(size_t bytes)
{
#if defined(__GLIBC__)
    bytes = std::min(bytes, maxBytes());
    if (bytes > 0)
        m_thread = std::thread(touchAndFree, bytes);
#else
    (void)bytes;
#endif
}

HeapPrewarm::~HeapPrewarm()
{
    finish();
}

void HeapPrewarm::finish()
{
    if (m_thread.joinable())
        m_thread.join();
}

size_t HeapPrewarm::maxBytes()
{
    return kHeapMmapThreshold / 2;
}

} // namespace safescope
