#include "core/remote/hubrepo.h"

#include "core/format/modelfolder.h"
#include "core/format/shardindex.h"
#include "core/remote/httpclient.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace safescope {

namespace {

QString folderOf(const QString& path)
{
    const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
    return slash < 0 ? QString() : path.left(slash);
}

QString nameOf(const QString& path)
{
    return path.mid(path.lastIndexOf(QLatin1Char('/')) + 1);
}

/// The index to prefer among several in one folder: model.safetensors.index.json, then the diffusers name, then the
/// first in natural order (variants such as .fp16 come after the plain one).
QString preferredIndex(QStringList indexes)
{
    std::sort(indexes.begin(), indexes.end(), naturalLess);
    for (const char* name : {"model.safetensors.index.json", "diffusion_pytorch_model.safetensors.index.json"})
        for (const QString& index : indexes)
            if (nameOf(index) == QLatin1String(name))
                return index;
    return indexes.value(0);
}

} // namespace

Result<HubModelFiles> resolveHubModel(const Location& location, const HubConfig& config, HttpClient& client,
                                      const std::atomic_bool* cancel)
{
    const QUrl api = config.apiUrl(location.repo, location.revision);
    const QString name = QStringLiteral("hf://") + location.repo + QLatin1Char('@') + location.revision;
    auto answer = client.get({api, std::nullopt, config.tokenFor(api)}, cancel);
    if (!answer)
        return answer.error();
    if (Status status = httpStatusError(*answer, api); !status) {
        Error error = status.error();
        error.message = QStringLiteral("%1: cannot list the repository: %2").arg(name, error.message);
        return error;
    }
    nlohmann::json listing;
    try {
        listing = nlohmann::json::parse(answer->body.constData(), answer->body.constData() + answer->body.size());
    } catch (const nlohmann::json::exception&) {
        return makeError(
            ErrorKind::IoError,
            QStringLiteral("%1: the Hub API answered something that is not JSON (%2)").arg(name, api.toString()),
            api.toString());
    }

    HubModelFiles found;
    QStringList all;
    if (listing.is_object()) {
        if (const auto sha = listing.find("sha"); sha != listing.end() && sha->is_string())
            found.commit = QString::fromStdString(sha->get<std::string>());
        if (const auto siblings = listing.find("siblings"); siblings != listing.end() && siblings->is_array()) {
            for (const auto& sibling : *siblings) {
                if (!sibling.is_object() || !sibling.contains("rfilename") || !sibling["rfilename"].is_string())
                    continue;
                const QString path = QString::fromStdString(sibling["rfilename"].get<std::string>());
                all << path;
                const auto lfs = sibling.find("lfs");
                if (lfs != sibling.end() && lfs->is_object() && lfs->contains("sha256") && (*lfs)["sha256"].is_string())
                    found.sha256[path] = QByteArray::fromStdString((*lfs)["sha256"].get<std::string>()).toLower();
            }
        }
    }

    found.listed = all;

    const QString& sub = location.subpath;
    if (!sub.isEmpty() && all.contains(sub)) { // PATH names a file
        if (isShardIndexName(nameOf(sub)))
            found.index = sub;
        else
            found.files << sub;
        return found;
    }
    QStringList indexes;
    QStringList files;
    for (const QString& path : all) {
        if (folderOf(path) != sub)
            continue;
        if (isShardIndexName(nameOf(path)))
            indexes << path;
        else if (path.endsWith(QLatin1String(".safetensors")))
            files << path;
    }
    if (!indexes.isEmpty()) {
        found.index = preferredIndex(indexes);
        return found;
    }
    if (!files.isEmpty()) {
        std::sort(files.begin(), files.end(), naturalLess);
        found.files = files;
        return found;
    }
    // Nothing here: name the folders that do hold weights (diffusers components), so the user can pick one.
    QStringList folders;
    for (const QString& path : all)
        if (path.endsWith(QLatin1String(".safetensors")) && folderOf(path).startsWith(sub) &&
            !folders.contains(folderOf(path)))
            folders << folderOf(path);
    QString message = sub.isEmpty() ? QStringLiteral("%1 has no .safetensors file or index at its root").arg(name)
                                    : QStringLiteral("%1 has no .safetensors file, index or folder %2").arg(name, sub);
    if (!folders.isEmpty())
        message += QStringLiteral("; weights are in: %1 (open hf://%2/%3)")
                       .arg(folders.join(QStringLiteral(", ")), location.repo, folders.front());
    return makeError(ErrorKind::IoError, message, name);
}

} // namespace safescope
