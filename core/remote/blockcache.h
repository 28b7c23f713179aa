#pragma once

#include <QByteArray>
#include <QString>

#include <atomic>
#include <cstdint>
#include <optional>

namespace safescope {

class SystemFile;

/// Blocks of remote files kept on disk between runs, so looking at a tensor again costs no network. One file per
/// block, written to a temporary name and renamed into place: a reader sees a whole block or none, and two processes
/// (two windows, the CLI beside the viewer) can share the folder without a lock for reads and writes. Eviction
/// (least recently used, by file time: a hit touches its block) runs under an flock on a lock file so two processes
/// do not evict at once. A block is only ever returned whole and of the expected length; anything else is a miss.
class BlockCache final
{
public:
    static constexpr uint64_t kBlockBytes = uint64_t(1) << 20;
    static constexpr uint64_t kDefaultLimit = uint64_t(2) << 30;

    /// $SAFESCOPE_REMOTE_CACHE_DIR, else $XDG_CACHE_HOME/safescope/remote; limit from $SAFESCOPE_REMOTE_CACHE_BYTES
    /// (0 disables the cache), else 2 GiB.
    static BlockCache& shared();

    BlockCache(QString folder, uint64_t limitBytes);

    const QString& folder() const { return m_folder; }
    uint64_t limit() const { return m_limit.load(std::memory_order_relaxed); }
    /// A new size limit (the viewer's setting), applied from the next store or eviction on; 0 disables the cache.
    /// Evicts nothing itself: the viewer sets the saved limit at start-up, where walking the folder has no place.
    void setLimit(uint64_t limitBytes);
    /// True when $SAFESCOPE_REMOTE_CACHE_BYTES set the limit: it wins over any setting (tests rely on it).
    static bool limitFromEnvironment();
    /// Bytes of blocks in the folder now (a walk of the folder: for a settings dialog, not a hot path).
    uint64_t usedBytes() const;
    /// Deletes every block (under the eviction lock); blocks being written by another process may survive.
    void clear();

    /// The block `block` of the file version `fileKey` when cached whole (`expectedLength` bytes).
    std::optional<QByteArray> find(const QByteArray& fileKey, uint64_t block, uint64_t expectedLength) const;
    /// Stores a block; failures are ignored (the cache only saves a refetch).
    void store(const QByteArray& fileKey, uint64_t block, const QByteArray& bytes);
    /// Deletes the least recently used blocks until the folder holds at most 90% of the limit.
    void evict();

    /// A key naming one version of a remote file: its URL, size and ETag (or SHA-256) together.
    static QByteArray fileKey(const QString& url, uint64_t size, const QByteArray& version);

private:
    /// The folder's lock file, locked exclusively (released when the file closes); none when the folder does not
    /// exist or another process holds the lock.
    std::optional<SystemFile> lockFolder() const;
    QString blockPath(const QByteArray& fileKey, uint64_t block) const;

    QString m_folder;
    std::atomic<uint64_t> m_limit; ///< set from the GUI thread, read by fetching threads
};

} // namespace safescope
