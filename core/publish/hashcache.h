#pragma once

#include "core/format/error.h"
#include "core/publish/filehashes.h"

#include <QString>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace safescope {

/// What identifies the bytes a hash was computed from without reading them: the file (device, inode), its size,
/// its mtime and its ctime in nanoseconds. ctime is added to the (device, inode, size, mtime) the issue asks for
/// because no program can set it back: a tool that restores the mtime after an edit (rsync -t, touch -r) still
/// misses the cache, instead of serving the old hashes.
struct HashCacheKey
{
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtimeNs = 0;
    int64_t ctimeNs = 0;

    /// stat(2) of `path`, links followed; nullopt when it cannot be stat'ed.
    static std::optional<HashCacheKey> of(const QString& path);
    std::string text() const;
    bool operator==(const HashCacheKey&) const = default;
};

/// Hashes already computed, in one small JSON file under the XDG cache folder, so a second look at a
/// multi-gigabyte checkpoint is instant. Two processes may share it: writers merge under an exclusive flock and
/// replace the file atomically (temporary file + rename), so a reader sees the old or the new file, never half.
/// Losing the file only costs a recomputation, so every failure to read or write it is ignored.
class HashCache final
{
public:
    /// $XDG_CACHE_HOME/safescope/hashes.json (QStandardPaths::GenericCacheLocation, shared by CLI and viewer).
    static QString defaultFile();
    explicit HashCache(QString file = defaultFile());

    /// The cached hashes for `key`; with `needData`, only an entry that has the data hash.
    std::optional<FileHashes> find(const HashCacheKey& key, const QString& path, bool needData) const;
    /// Merges `entries` into the file on disk (re-read under the lock, so another process's entries survive).
    Status store(const std::vector<std::pair<HashCacheKey, FileHashes>>& entries);

    /// The most entries kept; the least recently stored are dropped beyond it.
    static constexpr size_t kMaxEntries = 5000; // about 1.5 MB of JSON, read when a model is shown

private:
    nlohmann::json load() const;

    QString m_file;
    nlohmann::json m_entries; ///< as read at construction: lookups need no file access
};

} // namespace safescope
