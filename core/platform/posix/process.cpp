#include "core/platform/process.h"

#include <unistd.h>

namespace safescope::platform {

bool isTerminal(StandardStream stream)
{
    return ::isatty(stream == StandardStream::Output ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

} // namespace safescope::platform
