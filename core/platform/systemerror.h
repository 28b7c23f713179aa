#pragma once

#include <string>

namespace safescope::platform {

/// Every call of the seam reports failure as an errno value (ENOENT, EACCES, ENOSPC, ...), 0 meaning success, on
/// Windows too: the Win32 implementation translates GetLastError() into the nearest errno value, so the code above
/// the seam tests one set of names (and the save tests' fault injection, which speaks errno, works everywhere).
/// The system's words for `code` ("No such file or directory"), in the locale's encoding.
std::string errorText(int code);

} // namespace safescope::platform
