#pragma once

#include <functional>

namespace safescope {

/// Survives a mapped file shrinking underneath us. Linux delivers SIGBUS when a page of a mapping lies beyond the
/// end of a file that another process truncated; without a guard that kills the viewer. Work that touches mapped
/// tensor bytes runs inside runGuarded(): a SIGBUS on that thread abandons the work (siglongjmp back to the guard)
/// and runGuarded() returns false, so the caller reports ErrorKind::FileChanged and the process carries on.
///
/// The abandoned frames are not unwound: `work` must not hold locks or resources whose release matters (the
/// decoding loops it wraps only own small scratch buffers, which leak on this rare error path). Guards nest. A
/// SIGBUS outside any guard keeps its default meaning and ends the process.
class SigbusGuard final
{
public:
    SigbusGuard() = delete;

    /// Runs `work`; false when it was abandoned because mapped memory vanished.
    static bool runGuarded(const std::function<void()>& work);
};

} // namespace safescope
