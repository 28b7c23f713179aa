#include "crashhook.h"

#include <QByteArray>
#include <QtGlobal>

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

} // namespace safescope::cli
