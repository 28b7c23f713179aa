#pragma once

#include <functional>

namespace safescope {

/// Survives a mapped file shrinking underneath us. Linux delivers SIGBUS when a page of a mapping lies beyond the
/// end of a file that another process truncated (Windows raises EXCEPTION_IN_PAGE_ERROR); without a guard that
/// kills the viewer. Work that touches mapped tensor bytes runs inside runGuarded(): such a fault on that thread
/// abandons the work (a jump back to the guard: platform::runGuarded() in core/platform/pageguard.h) and
/// runGuarded() returns false, so the caller reports ErrorKind::FileChanged and the process carries on.
///
/// The abandoned frames are not unwound: `work` must not hold locks or resources whose release matters (the
/// decoding loops it wraps only own small scratch buffers, which leak on this rare error path). Guards nest. A
/// fault outside any guard keeps its default meaning and ends the process.
class SigbusGuard final
{
public:
    SigbusGuard() = delete;

    /// Runs `work`; false when it was abandoned because mapped memory vanished.
    static bool runGuarded(const std::function<void()>& work);
};

} // namespace safescope
