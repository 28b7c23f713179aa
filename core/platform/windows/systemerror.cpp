#include "core/platform/systemerror.h"

#include <cstring>

namespace safescope::platform {

std::string errorText(int code)
{
    // The Win32 errors were translated to errno values (widepath.cpp); the C runtime names those.
    return std::strerror(code);
}

} // namespace safescope::platform
