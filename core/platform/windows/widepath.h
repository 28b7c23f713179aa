#pragma once

#include <string>

namespace safescope::platform {

/// UTF-8 (what crosses the seam) to the UTF-16 of the *W functions, and back. '/' becomes '\\' on the way in:
/// the long-path prefix and some calls (ReplaceFileW) want backslashes.
std::wstring widePath(const std::string& path);
std::string narrowPath(const std::wstring& path);
/// The errno value nearest to a Win32 error code (GetLastError()).
int errnoFromWin32(unsigned long error);
/// errnoFromWin32(GetLastError()).
int lastError();

} // namespace safescope::platform
