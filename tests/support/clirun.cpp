#include "support/clirun.h"

#include <QProcess>

#include <unistd.h>

namespace safescope::test {

namespace {

CliRun run(QProcess& process, const QStringList& arguments)
{
    process.start(qEnvironmentVariable("SAFESCOPE_CLI"), arguments);
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

} // namespace

CliRun runCli(const QStringList& arguments)
{
    QProcess process;
    return run(process, arguments);
}

CliRun runCliUnprivileged(const QStringList& arguments)
{
    QProcess process;
    if (::geteuid() == 0) {
        process.setChildProcessModifier([] {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0)
                ::_exit(127);
        });
    }
    return run(process, arguments);
}

nlohmann::json parseJson(const QByteArray& text)
{
    return nlohmann::json::parse(text.constData(), text.constData() + text.size());
}

} // namespace safescope::test
