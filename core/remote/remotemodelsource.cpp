#include "core/remote/remotemodelsource.h"

#include "core/format/safetensorsfile.h"
#include "core/remote/httpclient.h"
#include "core/remote/hubconfig.h"
#include "core/remote/remoteheaders.h"

namespace safescope {

RemoteModelSource::RemoteModelSource(const HubConfig& config, std::map<QString, QByteArray> sha256, HttpClient& client,
                                     BlockCache& cache, const std::atomic_bool* cancel)
    : m_endpoint(config.endpoint), m_token(config.token), m_sha256(std::move(sha256)), m_client(client), m_cache(cache),
      m_cancel(cancel)
{}

namespace {

QByteArray tokenFor(const QUrl& url, const QUrl& endpoint, const QByteArray& token)
{
    const bool hub =
        url.scheme() == endpoint.scheme() && url.host() == endpoint.host() && url.port() == endpoint.port();
    return hub ? token : QByteArray();
}

} // namespace

Result<QByteArray> RemoteModelSource::readIndex(const QString& location) const
{
    const QUrl url(location);
    auto answer = m_client.get({url, std::nullopt, tokenFor(url, m_endpoint, m_token)}, m_cancel);
    if (!answer)
        return answer.error();
    if (Status status = httpStatusError(*answer, url); !status)
        return status.error();
    return std::move(answer->body);
}

std::vector<Result<std::shared_ptr<const SafetensorsFile>>> RemoteModelSource::openFiles(const QStringList& locations,
                                                                                         OpenMode mode) const
{
    std::vector<RemoteFileRequest> files;
    files.reserve(static_cast<size_t>(locations.size()));
    for (const QString& location : locations) {
        const QUrl url(location);
        const auto sha = m_sha256.find(location);
        files.push_back({url, sha == m_sha256.end() ? QByteArray() : sha->second, tokenFor(url, m_endpoint, m_token)});
    }
    return openRemoteFiles(files, mode, m_client, m_cache, m_cancel);
}

QString RemoteModelSource::sibling(const QString& indexLocation, const QString& name) const
{
    // Shard names never hold '/', '..' or '://' (the index parser refuses them): a relative reference is safe.
    QUrl relative;
    relative.setPath(name);
    return QUrl(indexLocation).resolved(relative).toString();
}

bool RemoteModelSource::isMissing(const QString&, const Error& error) const
{
    return error.message.contains(QLatin1String("(HTTP 404)"));
}

} // namespace safescope
