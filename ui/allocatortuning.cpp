#include "ui/allocatortuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace safescope {

void tuneAllocatorForViewer()
{
#if defined(__GLIBC__)
    mallopt(M_ARENA_MAX, 1);
#endif
}

} // namespace safescope
