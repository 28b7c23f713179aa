#pragma once

#include "core/format/error.h"
#include "core/publish/filehasher.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace safescope {

struct HashBatchOptions
{
    bool dataHash = true;
    bool useCache = true;
    QString cacheFile;    ///< empty: HashCache::defaultFile()
    unsigned threads = 2; ///< files hashed at once (the issue's budget: 2 cores)
};

/// Called from the hashing threads with the bytes hashed so far and the bytes to hash in all.
using BatchProgress = std::function<void(uint64_t done, uint64_t total)>;

/// Hashes every file in `paths` (shards, or unrelated files): cached ones are answered from the cache, the others
/// hashed `threads` at a time, each file on its own thread; a single file left to hash uses two threads for its
/// two digests instead. New results are stored in the cache. One result per path, in order.
std::vector<Result<FileHashes>> hashFiles(const QStringList& paths, const HashBatchOptions& options,
                                          const std::atomic_bool& cancel, const BatchProgress& progress = {});

} // namespace safescope
