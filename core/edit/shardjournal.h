#pragma once

#include "core/edit/savehooks.h"
#include "core/format/error.h"
#include "core/io/systemfile.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace safescope {

/// The transaction journal of a metadata edit of a sharded model: every shard gets the edit or none does.
///
/// Protocol (ShardTransaction): every shard is locked and read, its new header computed and validated, and every
/// shard that needs a rewrite gets its complete new file written and synced under a temporary name. Only then is
/// the journal written (one write, fsync of the file and of its folder): it lists every shard with its identity
/// (device, inode, size), its old and new header bytes, and for a rewrite the temporary file. Then each shard is
/// committed (new header written in place and synced, or the temporary file renamed over it), and the journal is
/// removed last. A crash before the journal is durable changed no shard (temporary files may remain: leftovers,
/// removed by `meta --recover discard`); a crash after it is completed forward by completeTransaction(): every
/// shard that does not have its new header yet gets it. So after recovery all shards have the old metadata or all
/// have the new. A torn journal (checksum mismatch) can only come from a crash while it was written, before any
/// shard changed, and is simply removed.
///
/// Format: "SAFESCOPE-TXN-01", u64 shard count, per shard: u8 method (0 in place, 1 rewrite), u64 device, inode
/// and size of the file before the edit, then four length-prefixed (u64) byte strings: path, temporary path (empty
/// in place), old header bytes (8 + N), new header bytes; then a CRC-64 of everything before it. Little-endian;
/// paths are the bytes of the names (encodeLocalPath), so names that are not UTF-8 survive.
struct ShardJournal
{
    struct Shard
    {
        bool rewrite = false;
        uint64_t device = 0;
        uint64_t inode = 0;
        uint64_t size = 0;
        QString path;
        QString tempPath;
        QByteArray oldBytes;
        QByteArray newBytes;
    };
    std::vector<Shard> shards;

    QByteArray encode() const;
    static std::optional<ShardJournal> decode(const QByteArray& bytes);
};

/// Where the journal of the model at `modelPath` lives: ".<index name>.safescope-transaction" beside an index file,
/// ".<folder name>.safescope-transaction" inside a model folder; empty for anything else (a single file needs no
/// journal: its recovery record does the same job).
QString transactionJournalPath(const QString& modelPath, const QString& indexPath = {});

/// The journals present for what the user named (an index, a folder: every "*.safescope-transaction" in it).
QStringList findTransactionJournals(const QString& modelPath);

/// Writes `journal` at `path` (must not exist: an unfinished transaction is completed first), synced with its
/// folder, so that it is durable before the first shard changes. Built under a temporary name, locked (flock) and
/// renamed into place, so the journal is never seen incomplete or unlocked; the returned descriptor holds the lock
/// until the transaction closes it after removing the journal. A locked journal is a live transaction: the recovery
/// waits for it, and leftovers do not list it.
Result<SystemFile> writeShardJournal(const QString& path, const ShardJournal& journal,
                                     const SaveHooks* hooks = nullptr);

/// What completing an interrupted transaction did.
struct TransactionOutcome
{
    QString journalPath;
    bool torn = false;        ///< the journal was incomplete: no shard had been changed; it was removed
    bool finished = false;    ///< a save running when the recovery started has finished it meanwhile
    int shards = 0;           ///< shards in the transaction
    int alreadyDone = 0;      ///< shards that had their new header before the recovery
    int completedNow = 0;     ///< shards the recovery gave their new header
    QString describe() const; ///< one sentence saying exactly what happened
};

/// Completes the transaction of the journal at `journalPath` (see above) and removes the journal. Refuses, leaving
/// the journal, when a shard is no longer the file the journal was made for (another inode or size) and does not
/// have the new header: nothing is written then.
Result<TransactionOutcome> completeTransaction(const QString& journalPath, const SaveHooks* hooks = nullptr);

/// Completes every journal findTransactionJournals() finds for `modelPath`.
Result<std::vector<TransactionOutcome>> completeInterruptedTransactions(const QString& modelPath);

} // namespace safescope
