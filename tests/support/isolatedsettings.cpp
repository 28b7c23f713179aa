#include "support/isolatedsettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>

namespace safescope::test {

void isolateSettings(const QString& testName, const QString& folder)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("SafeScopeTests"));
    QCoreApplication::setApplicationName(testName);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                       QDir(folder).filePath(QStringLiteral("settings")));
    QSettings().clear();
}

} // namespace safescope::test
