#pragma once

#include <cstdint>

namespace safescope::platform {

/// An open file as the operating system knows it: a POSIX descriptor or a Win32 HANDLE, carried as an integer so
/// that no header above the seam needs a system header. -1 is "none" on both (INVALID_HANDLE_VALUE is -1 too).
using NativeHandle = std::intptr_t;
inline constexpr NativeHandle kNoHandle = -1;

} // namespace safescope::platform
