#include "ui/window/democheckpoint.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace safescope {

QString DemoCheckpoint::locate(const QString& buildPath)
{
    if (!buildPath.isEmpty() && QFileInfo::exists(buildPath))
        return buildPath;
    const QString relative = QStringLiteral("safescope/") + QLatin1StringView(kFileName);
    const QString located = QStandardPaths::locate(QStandardPaths::GenericDataLocation, relative);
    if (!located.isEmpty())
        return located;
    // A relocated install (a tarball or AppImage unpacked anywhere) keeps bin/ and share/ side by side.
    const QString besideBinary =
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/") + relative);
    if (QFileInfo::exists(besideBinary))
        return QDir::cleanPath(besideBinary);
    return {};
}

} // namespace safescope
