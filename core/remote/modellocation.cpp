#include "core/remote/modellocation.h"

#include "core/format/model.h"
#include "core/format/modelbuilder.h"
#include "core/format/shardindex.h"
#include "core/remote/blockcache.h"
#include "core/remote/httpclient.h"
#include "core/remote/hubconfig.h"
#include "core/remote/hubrepo.h"
#include "core/remote/location.h"
#include "core/remote/remotemodelsource.h"

#include <algorithm>
#include <map>

namespace safescope {

namespace {

QString urlFileName(const QUrl& url)
{
    return url.fileName(QUrl::FullyDecoded);
}

} // namespace

Result<std::shared_ptr<const Model>> openModelLocation(const QString& text, OpenMode mode,
                                                       const std::atomic_bool* cancel, QStringList* besideWeights)
{
    if (besideWeights)
        besideWeights->clear();
    auto location = parseLocation(text);
    if (!location)
        return location.error();
    if (!location->isRemote())
        return Model::open(text, mode);

    const HubConfig config = HubConfig::fromEnvironment();
    HttpClient& client = HttpClient::shared();
    std::map<QString, QByteArray> sha256;
    QString index;
    QStringList files;
    if (location->kind == Location::Kind::Url) {
        const QString url = location->url.toString();
        if (isShardIndexName(urlFileName(location->url)))
            index = url;
        else
            files << url;
        // No listing to say what lies beside a plain URL: the config files a model folder may hold are asked for by
        // name (readRemoteConfigs() takes a 404 as absent), as a local file's folder is searched for them. Not beside
        // a signed URL (a query string): its neighbours would need signatures of their own.
        if (besideWeights && !location->url.hasQuery()) {
            for (const char* name :
                 {"config.json", "quantize_config.json", "quant_config.json", "hf_quant_config.json"})
                *besideWeights << location->url.resolved(QUrl(QLatin1String(name))).toString();
        }
    } else {
        auto hub = resolveHubModel(*location, config, client, cancel);
        if (!hub)
            return hub.error();
        // Files are addressed by the revision the user gave; the Hub redirects LFS files to its CDN.
        const auto urlOf = [&](const QString& path) {
            return config.fileUrl(location->repo, location->revision, path).toString();
        };
        for (const auto& [path, sha] : hub->sha256)
            sha256[urlOf(path)] = sha;
        if (!hub->index.isEmpty())
            index = urlOf(hub->index);
        for (const QString& file : hub->files)
            files << urlOf(file);
        if (besideWeights) {
            const QString weights = hub->index.isEmpty() ? hub->files.value(0) : hub->index;
            const QString folder = weights.left(std::max<qsizetype>(0, weights.lastIndexOf(u'/') + 1));
            for (const QString& path : hub->listed)
                if (path.startsWith(folder) && !path.mid(folder.size()).contains(u'/') &&
                    !path.endsWith(QLatin1String(".safetensors")) && path != hub->index)
                    *besideWeights << urlOf(path);
        }
    }

    auto source = std::make_shared<RemoteModelSource>(config, std::move(sha256), client, BlockCache::shared(), cancel);
    ModelBuilder builder(mode, source);
    if (!index.isEmpty())
        return builder.openIndex(index);
    if (files.size() == 1)
        return builder.openFile(files.front());
    return builder.openFileList(text, files);
}

bool isRemoteModel(const Model& model)
{
    for (const Model::Shard& shard : model.shards())
        if (shard.file->byteSource())
            return true;
    return false;
}

} // namespace safescope
