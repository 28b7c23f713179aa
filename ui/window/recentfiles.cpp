#include "ui/window/recentfiles.h"

#include "core/remote/location.h"

#include <QSettings>

namespace safescope {

namespace {
const QString kKey = QStringLiteral("recentFiles");
} // namespace

RecentFiles::RecentFiles(QObject* parent) : QObject(parent), m_paths(QSettings().value(kKey).toStringList()) {}

RecentFiles::~RecentFiles() = default;

void RecentFiles::add(const QString& path)
{
    const QString absolute = absoluteLocation(path); // a URL or hf:// name is kept as given
    m_paths.removeAll(absolute);
    m_paths.prepend(absolute);
    while (m_paths.size() > kMaxCount)
        m_paths.removeLast();
    save();
}

void RecentFiles::remove(const QString& path)
{
    if (m_paths.removeAll(path) > 0)
        save();
}

void RecentFiles::clear()
{
    m_paths.clear();
    save();
}

void RecentFiles::save()
{
    QSettings().setValue(kKey, m_paths);
    emit changed();
}

} // namespace safescope
