#pragma once

#include "core/format/modelfilesource.h"

#include <QUrl>

#include <atomic>
#include <map>

namespace safescope {

class BlockCache;
class HttpClient;
struct HubConfig;

/// ModelFileSource over HTTP: indexes are fetched whole, shards by their headers (openRemoteFiles: every shard's
/// first range in flight at once, then the longer headers' rest), shard URLs resolved against the index's URL.
class RemoteModelSource final : public ModelFileSource
{
public:
    /// `sha256` maps file URLs to their published SHA-256 (from the Hub API), `config` gives the token and the host
    /// it may be sent to.
    RemoteModelSource(const HubConfig& config, std::map<QString, QByteArray> sha256, HttpClient& client,
                      BlockCache& cache, const std::atomic_bool* cancel);

    Result<QByteArray> readIndex(const QString& location) const override;
    std::vector<Result<std::shared_ptr<const SafetensorsFile>>> openFiles(const QStringList& locations,
                                                                          OpenMode mode) const override;
    QString sibling(const QString& indexLocation, const QString& name) const override;
    bool isMissing(const QString& location, const Error& error) const override;

private:
    QUrl m_endpoint;
    QByteArray m_token;
    std::map<QString, QByteArray> m_sha256;
    HttpClient& m_client;
    BlockCache& m_cache;
    const std::atomic_bool* m_cancel;
};

} // namespace safescope
