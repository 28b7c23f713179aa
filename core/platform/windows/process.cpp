#include "core/platform/process.h"

#include <windows.h>

namespace safescope::platform {

bool isTerminal(StandardStream stream)
{
    DWORD mode = 0;
    const HANDLE handle = ::GetStdHandle(stream == StandardStream::Output ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE);
    return handle != nullptr && handle != INVALID_HANDLE_VALUE && ::GetConsoleMode(handle, &mode) != 0;
}

bool stopThisProcess()
{
    return false;
}

} // namespace safescope::platform
