// safescope-cli: the headless face of SafeScope. Links st_core only, which proves the engine needs no GUI.
#include "commands.h"
#include "core/io/localpath.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("safescope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SAFESCOPE_VERSION));
    // Decoded from the bytes: a path that is not UTF-8 must still name its file (see core/io/localpath.h).
    return safescope::cli::runCommandLine(safescope::decodeArguments(argc, argv));
}
