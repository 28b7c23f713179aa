// safescope-cli: the headless face of SafeScope. Links st_core only, which proves the engine needs no GUI.
#include "commands.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("safescope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SAFESCOPE_VERSION));
    return safescope::cli::runCommandLine(QCoreApplication::arguments());
}
