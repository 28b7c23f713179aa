#include "crashhook.h"

#include <QByteArray>
#include <QtGlobal>

#include <csignal>
#include <unistd.h>

namespace safescope::cli {

SaveHooks crashHooksFromEnvironment()
{
    SaveHooks hooks;
    const QByteArray step = qgetenv("SAFESCOPE_TEST_CRASH_AFTER");
    if (step.isEmpty())
        return hooks;
    hooks.afterStep = [step](SaveStep reached) {
        if (step == saveStepName(reached))
            ::_exit(86); // no destructors, no temp-file cleanup: exactly what a crash leaves behind
        return true;
    };
    return hooks;
}

void stopBeforeReadIfAsked()
{
    if (!qEnvironmentVariableIsEmpty("SAFESCOPE_TEST_STOP_BEFORE_READ"))
        (void)std::raise(SIGSTOP);
}

} // namespace safescope::cli
