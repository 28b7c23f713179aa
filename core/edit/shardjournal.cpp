#include "core/edit/shardjournal.h"

#include "core/edit/crc64.h"
#include "core/edit/headeroverwrite.h"
#include "core/edit/savelock.h"
#include "core/format/folderentries.h"
#include "core/format/headerparser.h"
#include "core/format/shardindex.h"
#include "core/io/localpath.h"
#include "core/io/systemfile.h"
#include "core/io/wholefile.h"
#include "core/platform/filelock.h"

#include <QFileInfo>
#include <QtEndian>

#include <cerrno>

namespace safescope {

namespace {

constexpr char kMagic[] = "SAFESCOPE-TXN-01";
constexpr qsizetype kMagicSize = 16;
const QLatin1StringView kSuffix(".safescope-transaction");

void putU64(QByteArray& out, uint64_t value)
{
    char field[8];
    qToLittleEndian<quint64>(value, field);
    out.append(field, 8);
}

void putBytes(QByteArray& out, const QByteArray& bytes)
{
    putU64(out, static_cast<uint64_t>(bytes.size()));
    out.append(bytes);
}

// Reads fields in order; any read past the end makes the whole journal invalid.
class Reader
{
public:
    explicit Reader(const QByteArray& bytes) : m_bytes(bytes) {}
    bool u64(uint64_t& value)
    {
        if (m_bytes.size() - m_at < 8)
            return false;
        value = qFromLittleEndian<quint64>(m_bytes.constData() + m_at);
        m_at += 8;
        return true;
    }
    bool bytes(QByteArray& value)
    {
        uint64_t size = 0;
        if (!u64(size) || size > static_cast<uint64_t>(m_bytes.size() - m_at))
            return false;
        value = m_bytes.mid(m_at, static_cast<qsizetype>(size));
        m_at += static_cast<qsizetype>(size);
        return true;
    }
    bool u8(uint8_t& value)
    {
        if (m_at >= m_bytes.size())
            return false;
        value = static_cast<uint8_t>(m_bytes[m_at++]);
        return true;
    }
    qsizetype position() const { return m_at; }

private:
    const QByteArray& m_bytes;
    qsizetype m_at = kMagicSize;
};

enum class ShardState : uint8_t
{
    New,     ///< has its new header already
    Pending, ///< still the file the journal was made for: gets the new header now
    Replaced ///< neither: another program replaced or resized it; not touched
};

ShardState stateOf(const ShardJournal::Shard& shard)
{
    auto file = SystemFile::open(shard.path, platform::ReadOnly);
    if (!file)
        return shard.rewrite && localPathExists(shard.tempPath) ? ShardState::Pending : ShardState::Replaced;
    auto status = file->status();
    QByteArray head(shard.newBytes.size(), Qt::Uninitialized);
    const bool readable = status && status->size >= static_cast<uint64_t>(head.size()) &&
                          file->readAt(head.data(), static_cast<uint64_t>(head.size()), 0);
    if (readable && head == shard.newBytes) {
        // In place, the same bytes could only be the new header; a rewrite's new file has another inode, unless the
        // rename has not happened and the old file happens to start with the same bytes (it cannot: N differs or
        // the metadata does, else there was nothing to save).
        return ShardState::New;
    }
    if (shard.rewrite)
        return localPathExists(shard.tempPath) ? ShardState::Pending : ShardState::Replaced;
    if (status && status->inode == shard.inode && status->device == shard.device && status->size == shard.size)
        return ShardState::Pending; // old header, or torn between old and new
    return ShardState::Replaced;
}

Status commitShard(const ShardJournal::Shard& shard, const SaveHooks* hooks)
{
    if (shard.rewrite) {
        if (Status renamed = renameFile(shard.tempPath, shard.path, hooks); !renamed)
            return renamed;
        return syncDirectory(folderOf(shard.path), hooks);
    }
    // The new header was validated against this file's size before the journal was written; check again, so that
    // nothing but a header the strict reader accepts is ever written.
    if (!parseHeader(reinterpret_cast<const unsigned char*>(shard.newBytes.constData()),
                     static_cast<uint64_t>(shard.newBytes.size()), shard.size, OpenMode::Strict, shard.path))
        return makeError(ErrorKind::IoError,
                         QStringLiteral("the transaction journal holds no valid header for '%1'; it was left as it is")
                             .arg(shard.path),
                         shard.path);
    auto file = SystemFile::open(shard.path, platform::WriteOnly, hooks);
    if (!file)
        return file.error();
    Status written = overwriteHeaderBytes(*file, shard.newBytes); // a replay is one write: no steps to stop at
    if (written)
        written = file->close();
    return written;
}

} // namespace

QByteArray ShardJournal::encode() const
{
    QByteArray out(kMagic, kMagicSize);
    putU64(out, shards.size());
    for (const Shard& shard : shards) {
        out.append(static_cast<char>(shard.rewrite ? 1 : 0));
        putU64(out, shard.device);
        putU64(out, shard.inode);
        putU64(out, shard.size);
        putBytes(out, encodeLocalPath(shard.path));
        putBytes(out, encodeLocalPath(shard.tempPath));
        putBytes(out, shard.oldBytes);
        putBytes(out, shard.newBytes);
    }
    putU64(out, crc64(out.constData(), static_cast<size_t>(out.size())));
    return out;
}

std::optional<ShardJournal> ShardJournal::decode(const QByteArray& bytes)
{
    if (bytes.size() < kMagicSize + 16 || !bytes.startsWith(QByteArray(kMagic, kMagicSize)))
        return std::nullopt;
    const qsizetype body = bytes.size() - 8;
    if (qFromLittleEndian<quint64>(bytes.constData() + body) != crc64(bytes.constData(), static_cast<size_t>(body)))
        return std::nullopt;
    const QByteArray content = bytes.left(body);
    Reader in(content);
    uint64_t count = 0;
    if (!in.u64(count) || count > static_cast<uint64_t>(content.size()))
        return std::nullopt;
    ShardJournal journal;
    for (uint64_t i = 0; i < count; ++i) {
        Shard shard;
        uint8_t method = 0;
        QByteArray path, temp;
        if (!in.u8(method) || !in.u64(shard.device) || !in.u64(shard.inode) || !in.u64(shard.size) || !in.bytes(path) ||
            !in.bytes(temp) || !in.bytes(shard.oldBytes) || !in.bytes(shard.newBytes))
            return std::nullopt;
        shard.rewrite = method == 1;
        shard.path = decodeLocalPath(path);
        shard.tempPath = decodeLocalPath(temp);
        journal.shards.push_back(std::move(shard));
    }
    if (in.position() != content.size())
        return std::nullopt;
    return journal;
}

QString transactionJournalPath(const QString& modelPath, const QString& indexPath)
{
    if (!indexPath.isEmpty()) {
        const QFileInfo index(indexPath);
        return index.absolutePath() + QStringLiteral("/.") + index.fileName() + kSuffix;
    }
    const QFileInfo info(modelPath);
    if (info.isDir())
        return info.absoluteFilePath() + QStringLiteral("/.") + QFileInfo(info.absoluteFilePath()).fileName() + kSuffix;
    if (isShardIndexName(info.fileName()))
        return info.absolutePath() + QStringLiteral("/.") + info.fileName() + kSuffix;
    return {};
}

QStringList findTransactionJournals(const QString& modelPath)
{
    const QFileInfo info(modelPath);
    QStringList found;
    if (info.isDir()) {
        auto names = folderEntryNames(info.absoluteFilePath());
        if (names) {
            for (const QString& name : *names) {
                if (name.startsWith(QLatin1Char('.')) && name.endsWith(kSuffix))
                    found.append(info.absoluteFilePath() + QLatin1Char('/') + name);
            }
        }
        found.sort();
        return found;
    }
    const QString path = transactionJournalPath(modelPath);
    if (!path.isEmpty() && localPathExists(path))
        found.append(path);
    return found;
}

Result<SystemFile> writeShardJournal(const QString& path, const ShardJournal& journal, const SaveHooks* hooks)
{
    if (localPathExists(path))
        return makeError(ErrorKind::IoError,
                         QStringLiteral("an earlier edit of these shards was interrupted: its journal '%1' must be "
                                        "completed first (run safescope-cli meta on the model)")
                             .arg(path),
                         path);
    const QByteArray bytes = journal.encode();
    auto out = SystemFile::createTempBeside(path, 0600, hooks);
    if (!out)
        return out.error();
    const QString temp = out->path();
    const int locked = platform::tryLock(out->handle(), platform::LockSlot::Save, platform::LockMode::Exclusive);
    Status written = locked == 0 ? Status(Ok{}) : systemError(temp, QStringLiteral("lock"), locked);
    if (written)
        written = out->writeAt(bytes.constData(), static_cast<uint64_t>(bytes.size()), 0);
    if (written)
        written = out->sync();
    // Every shard is locked by this transaction, so no other transaction of the model can create the journal
    // between the check above and this rename.
    if (written)
        written = renameFile(temp, path, hooks);
    if (written)
        written = syncDirectory(folderOf(path), hooks);
    if (!written) {
        (void)removeFile(localPathExists(path) ? path : temp);
        return written.error();
    }
    return std::move(*out);
}

QString TransactionOutcome::describe() const
{
    const QString name = QFileInfo(journalPath).fileName();
    if (finished)
        return QStringLiteral("an edit of several shards that was running when this command started has finished");
    if (torn)
        return QStringLiteral("removed the incomplete transaction journal '%1' of an edit interrupted before any "
                              "shard was changed; the model was not changed")
            .arg(name);
    if (completedNow == 0)
        return QStringLiteral("an interrupted edit of %1 shards had already reached every shard; removed its "
                              "transaction journal '%2'")
            .arg(shards)
            .arg(name);
    return QStringLiteral("completed an interrupted edit of %1 shards: %2 shard(s) had the new metadata, %3 more got "
                          "it now, so all %1 agree (journal '%4' removed)")
        .arg(shards)
        .arg(alreadyDone)
        .arg(completedNow)
        .arg(name);
}

Result<TransactionOutcome> completeTransaction(const QString& journalPath, const SaveHooks* hooks)
{
    TransactionOutcome outcome;
    outcome.journalPath = journalPath;
    // The lock of a live transaction's journal: wait for it, then look again (it may have finished meanwhile).
    auto lock = openLockedForSave(journalPath, platform::ReadOnly, hooks);
    if (!lock) {
        if (!localPathExists(journalPath)) {
            outcome.finished = true;
            return outcome;
        }
        return lock.error();
    }
    auto bytes = readWholeFile(journalPath);
    if (!bytes)
        return bytes.error();
    const std::optional<ShardJournal> journal = ShardJournal::decode(*bytes);
    if (!journal) {
        outcome.torn = true;
        if (Status removed = removeFile(journalPath, hooks); !removed)
            return removed.error();
        return outcome;
    }
    outcome.shards = static_cast<int>(journal->shards.size());
    std::vector<ShardState> states;
    for (const ShardJournal::Shard& shard : journal->shards) {
        states.push_back(stateOf(shard));
        if (states.back() == ShardState::Replaced)
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("an interrupted edit of %1 shards cannot be completed: '%2' is no longer "
                                            "the file its journal '%3' was made for and does not have the new "
                                            "header; nothing was written")
                                 .arg(outcome.shards)
                                 .arg(shard.path, journalPath),
                             shard.path);
    }
    for (size_t i = 0; i < journal->shards.size(); ++i) {
        if (states[i] == ShardState::New) {
            ++outcome.alreadyDone;
            // A rewrite renamed before the crash may have left no temp; one left after a failed rename goes too.
            continue;
        }
        if (Status committed = commitShard(journal->shards[i], hooks); !committed)
            return committed.error(); // the journal stays: the next run tries again
        ++outcome.completedNow;
    }
    if (Status removed = removeFile(journalPath, hooks); !removed)
        return removed.error();
    if (Status synced = syncDirectory(folderOf(journalPath), hooks); !synced)
        return synced.error();
    return outcome;
}

Result<std::vector<TransactionOutcome>> completeInterruptedTransactions(const QString& modelPath)
{
    std::vector<TransactionOutcome> outcomes;
    for (const QString& journal : findTransactionJournals(modelPath)) {
        auto outcome = completeTransaction(journal);
        if (!outcome)
            return outcome.error();
        outcomes.push_back(std::move(*outcome));
    }
    return outcomes;
}

} // namespace safescope
