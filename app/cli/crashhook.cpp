#include "crashhook.h"

#include <QByteArray>
#include <QtGlobal>

#include <csignal>
#include <memory>
#include <unistd.h>

namespace safescope::cli {

SaveHooks crashHooksFromEnvironment()
{
    SaveHooks hooks;
    QByteArray step = qgetenv("SAFESCOPE_TEST_CRASH_AFTER");
    if (step.isEmpty())
        return hooks;
    int occurrence = 1;
    if (const qsizetype colon = step.indexOf(':'); colon >= 0) {
        occurrence = step.mid(colon + 1).toInt();
        step.truncate(colon);
    }
    auto seen = std::make_shared<int>(0);
    hooks.afterStep = [step, occurrence, seen](SaveStep reached) {
        if (step == saveStepName(reached) && ++*seen == occurrence)
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
