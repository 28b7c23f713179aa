#include "core/remote/blockcache.h"

#include "core/io/systemfile.h"
#include "core/platform/filelock.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>
#include <vector>

namespace safescope {

BlockCache& BlockCache::shared()
{
    static BlockCache cache = [] {
        QString folder = qEnvironmentVariable("SAFESCOPE_REMOTE_CACHE_DIR");
        if (folder.isEmpty())
            folder = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
                     QStringLiteral("/safescope/remote");
        uint64_t limit = kDefaultLimit;
        bool ok = false;
        const qulonglong set = qEnvironmentVariable("SAFESCOPE_REMOTE_CACHE_BYTES").toULongLong(&ok);
        if (ok)
            limit = set;
        return BlockCache(folder, limit);
    }();
    return cache;
}

BlockCache::BlockCache(QString folder, uint64_t limitBytes) : m_folder(std::move(folder)), m_limit(limitBytes) {}

void BlockCache::setLimit(uint64_t limitBytes)
{
    m_limit.store(limitBytes, std::memory_order_relaxed);
}

bool BlockCache::limitFromEnvironment()
{
    bool ok = false;
    qEnvironmentVariable("SAFESCOPE_REMOTE_CACHE_BYTES").toULongLong(&ok);
    return ok;
}

uint64_t BlockCache::usedBytes() const
{
    uint64_t total = 0;
    QDirIterator it(m_folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        if (!it.fileName().startsWith(QLatin1Char('.')))
            total += static_cast<uint64_t>(it.fileInfo().size());
    }
    return total;
}

std::optional<SystemFile> BlockCache::lockFolder() const
{
    if (!QDir(m_folder).exists())
        return std::nullopt;
    Result<SystemFile> lock =
        SystemFile::open(m_folder + QStringLiteral("/.lock"), platform::ReadWrite | platform::Create);
    // The save lock slot is the one whole-file lock of the seam; held until the returned file closes.
    if (!lock || platform::tryLock(lock->handle(), platform::LockSlot::Save, platform::LockMode::Exclusive) != 0)
        return std::nullopt;
    return std::move(lock.value());
}

void BlockCache::clear()
{
    // Waits for nobody: an eviction running in another process is deleting blocks as well.
    const std::optional<SystemFile> lock = lockFolder();
    if (!lock)
        return;
    QDirIterator it(m_folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        if (!it.fileName().startsWith(QLatin1Char('.')))
            QFile::remove(it.filePath());
    }
    platform::unlock(lock->handle(), platform::LockSlot::Save);
}

QByteArray BlockCache::fileKey(const QString& url, uint64_t size, const QByteArray& version)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(url.toUtf8());
    hash.addData(QByteArrayView("\n"));
    hash.addData(QByteArray::number(size));
    hash.addData(QByteArrayView("\n"));
    hash.addData(version);
    return hash.result().toHex().left(40);
}

QString BlockCache::blockPath(const QByteArray& fileKey, uint64_t block) const
{
    return m_folder + QLatin1Char('/') + QString::fromLatin1(fileKey.left(2)) + QLatin1Char('/') +
           QString::fromLatin1(fileKey) + QLatin1Char('-') + QString::number(block);
}

std::optional<QByteArray> BlockCache::find(const QByteArray& fileKey, uint64_t block, uint64_t expectedLength) const
{
    if (limit() == 0)
        return std::nullopt;
    const QString path = blockPath(fileKey, block);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || static_cast<uint64_t>(file.size()) != expectedLength)
        return std::nullopt;
    QByteArray bytes = file.readAll();
    if (static_cast<uint64_t>(bytes.size()) != expectedLength)
        return std::nullopt;
    // A hit is a use: the block moves to the young end of the eviction order.
    file.setFileTime(QDateTime::currentDateTimeUtc(), QFileDevice::FileModificationTime);
    return bytes;
}

void BlockCache::store(const QByteArray& fileKey, uint64_t block, const QByteArray& bytes)
{
    if (limit() == 0 || static_cast<uint64_t>(bytes.size()) > limit())
        return;
    const QString path = blockPath(fileKey, block);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile out(path); // a temporary file renamed into place: readers never see half a block
    if (!out.open(QIODevice::WriteOnly))
        return;
    out.write(bytes);
    out.commit();
}

void BlockCache::evict()
{
    if (limit() == 0)
        return;
    // Another process evicting will do it for both.
    const std::optional<SystemFile> lock = lockFolder();
    if (!lock)
        return;
    struct Block
    {
        QString path;
        qint64 size;
        QDateTime used;
    };
    std::vector<Block> blocks;
    uint64_t total = 0;
    QDirIterator it(m_folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QFileInfo info = it.fileInfo();
        if (info.fileName().startsWith(QLatin1Char('.')))
            continue;
        blocks.push_back({info.absoluteFilePath(), info.size(), info.lastModified()});
        total += static_cast<uint64_t>(info.size());
    }
    if (total > limit()) {
        std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.used < b.used; });
        const uint64_t target = limit() / 10 * 9;
        for (const Block& block : blocks) {
            if (total <= target)
                break;
            if (QFile::remove(block.path))
                total -= static_cast<uint64_t>(block.size);
        }
    }
    platform::unlock(lock->handle(), platform::LockSlot::Save);
}

} // namespace safescope
