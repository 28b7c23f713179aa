#include "core/platform/pageguard.h"

#include <csetjmp>
#include <csignal>
#include <cstdlib>
#include <mutex>

namespace safescope::platform {

namespace {

thread_local sigjmp_buf* t_landing = nullptr;
struct sigaction g_previous = {};

void onSigbus(int signal, siginfo_t* info, void* context)
{
    if (sigjmp_buf* landing = t_landing)
        siglongjmp(*landing, 1); // restores the signal mask saved by sigsetjmp(..., 1)
    // Not ours: behave as if we were never installed (a chained handler, or the default action).
    if (g_previous.sa_flags & SA_SIGINFO) {
        if (g_previous.sa_sigaction) {
            g_previous.sa_sigaction(signal, info, context);
            return;
        }
    } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
        g_previous.sa_handler(signal);
        return;
    }
    ::signal(SIGBUS, SIG_DFL);
    ::raise(SIGBUS);
}

void installOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action = {};
        action.sa_sigaction = onSigbus;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(SIGBUS, &action, &g_previous);
    });
}

} // namespace

bool runGuarded(const std::function<void()>& work)
{
    installOnce();
    sigjmp_buf landing;
    sigjmp_buf* const outer = t_landing;
    if (sigsetjmp(landing, 1) != 0) {
        t_landing = outer;
        return false;
    }
    t_landing = &landing;
    work();
    t_landing = outer;
    return true;
}

void abandonGuardedWork()
{
    // The same road out as a vanished page: every caller already guarded for a truncated mapping handles this too.
    ::raise(SIGBUS);
    std::abort(); // SIGBUS ignored: nothing valid is left to read
}

} // namespace safescope::platform
