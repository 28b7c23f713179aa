#pragma once

#include "core/format/error.h"
#include "core/io/fileidentity.h"

#include <optional>
#include <vector>

namespace safescope {

class Model;

/// Each file of a model as it was when shown (device, inode, size, mtime). A background read of tensor data checks it
/// afterwards: numbers read from a file that changed meanwhile could belong to neither version, so they are dropped
/// and the page says why. Immutable after construction, so workers may check a copy on any thread.
class ModelFileCheck final
{
public:
    ModelFileCheck() = default;
    explicit ModelFileCheck(const Model& model);

    /// Nothing when the file holding tensor `index` (every file, for a logical tensor past the stored ones) is as it
    /// was; else a FileChanged error in plain words.
    std::optional<Error> changed(const Model& model, size_t index) const;

    /// stat() identity: device, inode, size and mtime. A header hash would cost a read of up to 100 MB of header
    /// for every tensor clicked; an in-place header edit changes the mtime anyway.
    static FileIdentity statIdentity(const QString& path);

private:
    std::optional<Error> changedShard(const Model& model, size_t shard) const;

    std::vector<FileIdentity> m_identities; ///< one per shard
    std::vector<bool> m_remote;             ///< one per shard: read over the network, never stat()ed
};

} // namespace safescope
