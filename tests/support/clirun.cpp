#include "support/clirun.h"

#include <QProcess>

namespace safescope::test {

CliRun runCli(const QStringList& arguments)
{
    QProcess process;
    process.start(qEnvironmentVariable("SAFESCOPE_CLI"), arguments);
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

nlohmann::json parseJson(const QByteArray& text)
{
    return nlohmann::json::parse(text.constData(), text.constData() + text.size());
}

} // namespace safescope::test
