#include "crashhook.h"

#ifdef SAFESCOPE_CLI_TEST_HOOKS
#include "core/platform/process.h"

#include <QByteArray>
#include <QtGlobal>

#include <cstdlib>
#include <memory>
#endif

namespace safescope::cli {

#ifdef SAFESCOPE_CLI_TEST_HOOKS

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
            std::_Exit(86); // no destructors, no temp-file cleanup: exactly what a crash leaves behind
        return true;
    };
    return hooks;
}

void stopBeforeReadIfAsked()
{
    if (!qEnvironmentVariableIsEmpty("SAFESCOPE_TEST_STOP_BEFORE_READ"))
        (void)platform::stopThisProcess();
}

#else

// The shipping CLI: test seams belong in test builds (safescope-cli-testhooks), not in a tool users run.
SaveHooks crashHooksFromEnvironment()
{
    return {};
}

void stopBeforeReadIfAsked() {}

#endif

} // namespace safescope::cli
