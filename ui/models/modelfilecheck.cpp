#include "ui/models/modelfilecheck.h"

#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace safescope {

ModelFileCheck::ModelFileCheck(const Model& model)
{
    for (const Model::Shard& shard : model.shards()) {
        // A remote shard is no local file (nothing to stat): its reads pin the version they fetch (ETag / SHA-256
        // in the block cache's key), so there is nothing to compare afterwards.
        const bool remote = shard.file->byteSource() != nullptr;
        m_remote.push_back(remote);
        m_identities.push_back(remote ? FileIdentity{} : statIdentity(shard.path));
    }
}

FileIdentity ModelFileCheck::statIdentity(const QString& path)
{
    // Unreadable: an identity nothing matches.
    const auto status = pathStatus(path);
    if (!status)
        return {};
    return FileIdentity::of(*status, {});
}

std::optional<Error> ModelFileCheck::changed(const Model& model, size_t index) const
{
    // A logical (dequantized) tensor's index lies past the stored ones and its parts may sit in any shard: check all.
    if (index >= model.tensorCount()) {
        for (size_t shard = 0; shard < model.shards().size(); ++shard) {
            if (auto error = changedShard(model, shard))
                return error;
        }
        return std::nullopt;
    }
    return changedShard(model, model.shardIndexOf(index));
}

std::optional<Error> ModelFileCheck::changedShard(const Model& model, size_t shard) const
{
    if (shard >= m_identities.size() || shard >= model.shards().size() || m_remote[shard])
        return std::nullopt;
    const QString& path = model.shards()[shard].path;
    if (statIdentity(path).sameAs(m_identities[shard]))
        return std::nullopt;
    return makeError(ErrorKind::FileChanged,
                     QCoreApplication::translate("ModelFileCheck",
                                                 "\u201c%1\u201d changed on disk since it was opened, so these values "
                                                 "are not shown: they could mix the old and the new file. Reload to "
                                                 "see the file as it is now.")
                         .arg(QFileInfo(path).fileName()),
                     path);
}

} // namespace safescope
