#include "core/publish/hashbatch.h"

#include "core/publish/hashcache.h"

#include <algorithm>
#include <optional>
#include <thread>

namespace safescope {

std::vector<Result<FileHashes>> hashFiles(const QStringList& paths, const HashBatchOptions& options,
                                          const std::atomic_bool& cancel, const BatchProgress& progress)
{
    std::optional<HashCache> cache;
    if (options.useCache)
        cache.emplace(options.cacheFile.isEmpty() ? HashCache::defaultFile() : options.cacheFile);

    std::vector<std::optional<Result<FileHashes>>> results(size_t(paths.size()));
    std::vector<std::optional<HashCacheKey>> keys(results.size());
    std::vector<size_t> todo;
    uint64_t total = 0;
    for (size_t i = 0; i < results.size(); ++i) {
        keys[i] = HashCacheKey::of(paths[qsizetype(i)]);
        if (cache && keys[i]) {
            if (auto hit = cache->find(*keys[i], paths[qsizetype(i)], options.dataHash)) {
                results[i] = std::move(*hit);
                continue;
            }
        }
        todo.push_back(i);
        total += keys[i] ? keys[i]->size : 0;
    }

    std::atomic<uint64_t> done = 0;
    const HashProgress perBlock = [&](uint64_t bytes) {
        const uint64_t now = done += bytes;
        if (progress)
            progress(now, total);
    };
    HashOptions hashOptions;
    hashOptions.dataHash = options.dataHash;
    // Two threads per file only when there is one file: with more, each core already has a file of its own.
    hashOptions.twoThreads = todo.size() == 1;
    std::atomic_size_t next = 0;
    const auto work = [&] {
        for (size_t job = next++; job < todo.size(); job = next++) {
            const size_t i = todo[job];
            results[i] = hashFile(paths[qsizetype(i)], hashOptions, cancel, perBlock);
        }
    };
    const unsigned threads = std::max(1u, std::min<unsigned>(options.threads, unsigned(todo.size())));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t)
        pool.emplace_back(work);
    work();
    for (std::thread& thread : pool)
        thread.join();

    if (cache) {
        std::vector<std::pair<HashCacheKey, FileHashes>> fresh;
        for (size_t i : todo) {
            // Stored only when the file is still what was stat'ed before the read: hashFile() checked the open
            // descriptor, this checks that the name was not pointed at another file meanwhile.
            if (results[i]->ok() && keys[i] && HashCacheKey::of(paths[qsizetype(i)]) == keys[i])
                fresh.emplace_back(*keys[i], results[i]->value());
        }
        (void)cache->store(fresh); // a cache that cannot be written only costs a recomputation next time
    }
    std::vector<Result<FileHashes>> out;
    out.reserve(results.size());
    for (auto& result : results)
        out.push_back(std::move(*result));
    return out;
}

} // namespace safescope
