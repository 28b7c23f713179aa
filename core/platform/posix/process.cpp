#include "core/platform/process.h"

#include <csignal>
#include <unistd.h>

namespace safescope::platform {

bool isTerminal(StandardStream stream)
{
    return ::isatty(stream == StandardStream::Output ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

bool stopThisProcess()
{
    return ::raise(SIGSTOP) == 0;
}

} // namespace safescope::platform
