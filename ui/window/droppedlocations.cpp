#include "ui/window/droppedlocations.h"

#include "core/remote/location.h"

#include <QList>
#include <QMimeData>
#include <QUrl>

namespace safescope {

QStringList droppedLocations(const QMimeData* mime)
{
    QStringList paths;
    const QList<QUrl> urls = mime->urls();
    for (const QUrl& url : urls) {
        if (url.isLocalFile())
            paths.append(url.toLocalFile());
        else if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
            paths.append(url.toString());
    }
    if (paths.isEmpty() && mime->hasText()) {
        const QStringList lines = mime->text().split(u'\n', Qt::SkipEmptyParts);
        for (const QString& line : lines) {
            const QString text = line.trimmed();
            if (isRemoteLocation(text) && parseLocation(text))
                paths.append(text);
        }
    }
    return paths;
}

} // namespace safescope
