#include "core/remote/location.h"

#include <QFileInfo>
#include <QStringList>

namespace safescope {

namespace {

Error badLocation(const QString& text, const QString& why)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("%1: %2").arg(text, why), text);
}

bool isSafeSegment(const QString& segment)
{
    return !segment.isEmpty() && segment != QLatin1String(".") && segment != QLatin1String("..");
}

} // namespace

bool isRemoteLocation(const QString& text)
{
    return text.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) ||
           text.startsWith(QLatin1String("https://"), Qt::CaseInsensitive) ||
           text.startsWith(QLatin1String("hf://"), Qt::CaseInsensitive);
}

QString locationName(const QString& text)
{
    return isRemoteLocation(text) ? text : QFileInfo(text).fileName();
}

QString absoluteLocation(const QString& text)
{
    return isRemoteLocation(text) || text.isEmpty() ? text : QFileInfo(text).absoluteFilePath();
}

Result<Location> parseLocation(const QString& text)
{
    Location location;
    location.text = text;
    if (!isRemoteLocation(text))
        return location;
    if (!text.startsWith(QLatin1String("hf://"), Qt::CaseInsensitive)) {
        location.kind = Location::Kind::Url;
        location.url = QUrl(text, QUrl::StrictMode);
        if (!location.url.isValid() || location.url.host().isEmpty())
            return badLocation(text, QStringLiteral("not a valid URL (%1)").arg(location.url.errorString()));
        return location;
    }

    // hf://OWNER/REPO[@REVISION][/PATH]
    location.kind = Location::Kind::Hub;
    const QStringList parts = text.mid(5).split(QLatin1Char('/'), Qt::KeepEmptyParts);
    if (parts.size() < 2 || !isSafeSegment(parts[0]) || parts[1].isEmpty())
        return badLocation(text, QStringLiteral("a Hub location is hf://OWNER/REPO[@REVISION][/PATH]"));
    QString name = parts[1];
    location.revision = QStringLiteral("main");
    if (const qsizetype at = name.indexOf(QLatin1Char('@')); at >= 0) {
        location.revision = name.mid(at + 1);
        name.truncate(at);
        if (location.revision.isEmpty())
            return badLocation(text, QStringLiteral("the revision after '@' is empty"));
    }
    if (!isSafeSegment(name))
        return badLocation(text, QStringLiteral("a Hub location is hf://OWNER/REPO[@REVISION][/PATH]"));
    location.repo = parts[0] + QLatin1Char('/') + name;
    QStringList path = parts.mid(2);
    while (!path.isEmpty() && path.back().isEmpty())
        path.removeLast(); // "hf://o/r/unet/" names the folder
    for (const QString& segment : path)
        if (!isSafeSegment(segment))
            return badLocation(text, QStringLiteral("the path inside the repository has an empty, '.' or '..' part"));
    location.subpath = path.join(QLatin1Char('/'));
    return location;
}

} // namespace safescope
