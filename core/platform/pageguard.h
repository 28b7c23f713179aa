#pragma once

#include <functional>

namespace safescope::platform {

/// Survives a mapped file shrinking underneath us. A page of a mapping beyond the end of a file another program
/// truncated raises SIGBUS on POSIX and EXCEPTION_IN_PAGE_ERROR on Windows; unguarded, either ends the process.
/// Work that touches mapped bytes runs inside runGuarded(): such a fault on that thread abandons the work (a jump
/// back to the guard) and runGuarded() returns false, so the caller reports FileChanged and the process goes on.
///
/// POSIX: a SIGBUS handler and sigsetjmp/siglongjmp with a thread-local landing. Windows (MinGW, which has no
/// __try/__except): a vectored exception handler that, for EXCEPTION_IN_PAGE_ERROR on a guarded thread, resumes the
/// thread in a landing function that jumps back to the guard (the documented alternative to SEH for GCC; see
/// AddVectoredExceptionHandler). MSVC builds use __try/__except.
///
/// The abandoned frames are not unwound: `work` must not hold locks or resources whose release matters. Guards
/// nest. A fault outside any guard keeps its default meaning.
bool runGuarded(const std::function<void()>& work);

/// Abandons the guarded work of this thread as a vanished page would (for a read that found the bytes gone by
/// other means). Outside a guard it ends the process, as the unguarded fault would.
[[noreturn]] void abandonGuardedWork();

} // namespace safescope::platform
