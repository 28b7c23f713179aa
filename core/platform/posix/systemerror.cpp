#include "core/platform/systemerror.h"

#include <cstring>

namespace safescope::platform {

std::string errorText(int code)
{
    // strerror_r has two incompatible signatures (GNU and XSI); strerror is fine here: the text is copied at once
    // and glibc's strerror is thread-safe for known codes.
    return std::strerror(code);
}

} // namespace safescope::platform
