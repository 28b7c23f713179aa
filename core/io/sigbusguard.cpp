#include "core/io/sigbusguard.h"

#include "core/platform/pageguard.h"

namespace safescope {

bool SigbusGuard::runGuarded(const std::function<void()>& work)
{
    return platform::runGuarded(work);
}

} // namespace safescope
