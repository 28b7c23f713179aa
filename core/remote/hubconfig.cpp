#include "core/remote/hubconfig.h"

#include <QDir>
#include <QFile>

namespace safescope {

namespace {

QString environment(const char* name)
{
    return qEnvironmentVariable(name);
}

QByteArray readToken(const QString& file)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        return {};
    return in.read(4096).trimmed();
}

/// Encodes one path segment, '/' included (a revision such as refs/pr/1 is one segment of the URL).
QString segment(const QString& text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString pathSegments(const QString& path)
{
    QStringList encoded;
    for (const QString& part : path.split(QLatin1Char('/'), Qt::SkipEmptyParts))
        encoded << segment(part);
    return encoded.join(QLatin1Char('/'));
}

} // namespace

HubConfig HubConfig::fromEnvironment()
{
    HubConfig config;
    QString endpoint = environment("HF_ENDPOINT");
    if (endpoint.isEmpty())
        endpoint = QStringLiteral("https://huggingface.co");
    while (endpoint.endsWith(QLatin1Char('/')))
        endpoint.chop(1);
    config.endpoint = QUrl(endpoint);

    config.token = environment("HF_TOKEN").trimmed().toUtf8();
    if (config.token.isEmpty())
        config.token = environment("HUGGING_FACE_HUB_TOKEN").trimmed().toUtf8(); // the older name, still read
    if (config.token.isEmpty()) {
        QString file = environment("HF_TOKEN_PATH");
        if (file.isEmpty()) {
            QString home = environment("HF_HOME");
            if (home.isEmpty()) {
                QString cache = environment("XDG_CACHE_HOME");
                if (cache.isEmpty())
                    cache = QDir::homePath() + QStringLiteral("/.cache");
                home = cache + QStringLiteral("/huggingface");
            }
            file = home + QStringLiteral("/token");
        }
        config.token = readToken(file);
    }
    return config;
}

QUrl HubConfig::apiUrl(const QString& repo, const QString& revision) const
{
    QUrl url(endpoint.toString() + QStringLiteral("/api/models/") + pathSegments(repo) + QStringLiteral("/revision/") +
             segment(revision));
    url.setQuery(QStringLiteral("blobs=true"));
    return url;
}

QUrl HubConfig::fileUrl(const QString& repo, const QString& revision, const QString& path) const
{
    return QUrl(endpoint.toString() + QLatin1Char('/') + pathSegments(repo) + QStringLiteral("/resolve/") +
                segment(revision) + QLatin1Char('/') + pathSegments(path));
}

QByteArray HubConfig::tokenFor(const QUrl& url) const
{
    if (url.scheme() == endpoint.scheme() && url.host() == endpoint.host() && url.port() == endpoint.port())
        return token;
    return {};
}

} // namespace safescope
