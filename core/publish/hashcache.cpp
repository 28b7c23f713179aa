#include "core/publish/hashcache.h"

#include "core/io/atomicfilewriter.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/io/systemfile.h"
#include "core/io/wholefile.h"
#include "core/platform/filelock.h"

#include <QDateTime>
#include <QStandardPaths>

#include <algorithm>

namespace safescope {

namespace {

std::string str(const QString& text)
{
    return text.toStdString();
}

QString qstr(const nlohmann::json& entry, const char* field)
{
    const auto found = entry.find(field);
    return found != entry.end() && found->is_string() ? QString::fromStdString(found->get<std::string>()) : QString();
}

} // namespace

std::optional<HashCacheKey> HashCacheKey::of(const QString& path)
{
    const auto info = pathStatus(path);
    if (!info)
        return std::nullopt;
    return HashCacheKey{info->device, info->inode, info->size, info->modifiedNs, info->changedNs};
}

std::string HashCacheKey::text() const
{
    return std::to_string(device) + ':' + std::to_string(inode) + ':' + std::to_string(size) + ':' +
           std::to_string(mtimeNs) + ':' + std::to_string(ctimeNs);
}

QString HashCache::defaultFile()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
           QStringLiteral("/safescope/hashes.json");
}

HashCache::HashCache(QString file) : m_file(std::move(file)), m_entries(load()) {}

nlohmann::json HashCache::load() const
{
    Result<QByteArray> bytes = readWholeFile(m_file);
    if (!bytes)
        return nlohmann::json::object();
    nlohmann::json document = nlohmann::json::parse(bytes->constData(), bytes->constData() + bytes->size(), nullptr,
                                                    /*allow_exceptions=*/false);
    if (!document.is_object() || document.value("version", 0) != 1 || !document.contains("entries") ||
        !document["entries"].is_object())
        return nlohmann::json::object();
    return document["entries"];
}

std::optional<FileHashes> HashCache::find(const HashCacheKey& key, const QString& path, bool needData) const
{
    const auto found = m_entries.find(key.text());
    if (found == m_entries.end() || !found->is_object())
        return std::nullopt;
    FileHashes hashes;
    hashes.path = path;
    hashes.size = key.size;
    hashes.sha256 = qstr(*found, "sha256");
    hashes.dataSha256 = qstr(*found, "data_sha256");
    hashes.legacyHash = qstr(*found, "legacy_hash");
    if (const auto start = found->find("data_start"); start != found->end() && start->is_number_unsigned())
        hashes.dataStart = start->get<uint64_t>();
    hashes.fromCache = true;
    if (hashes.sha256.size() != 64 || hashes.legacyHash.size() != 8)
        return std::nullopt;
    // A data region exists but its hash was skipped (--sha256-only) when the entry was stored.
    if (needData && hashes.dataStart && hashes.dataSha256.isEmpty())
        return std::nullopt;
    return hashes;
}

Status HashCache::store(const std::vector<std::pair<HashCacheKey, FileHashes>>& entries)
{
    if (entries.empty())
        return Ok{};
    if (Status made = makeFolders(folderOf(m_file)); !made)
        return made;
    // The lock lives on a file of its own: the cache file itself is replaced by rename, so a lock on it would
    // guard an inode that is no longer the cache.
    Result<SystemFile> lock =
        SystemFile::open(m_file + QStringLiteral(".lock"), platform::ReadWrite | platform::Create);
    if (!lock)
        return lock.error();
    if (const int err = platform::lockWaiting(lock->handle(), platform::LockSlot::Save, platform::LockMode::Exclusive))
        return systemError(lock->path(), QStringLiteral("lock"), err);

    nlohmann::json merged = load();
    const int64_t now = QDateTime::currentSecsSinceEpoch();
    for (const auto& [key, hashes] : entries) {
        nlohmann::json entry{{"path", str(hashes.path)},
                             {"sha256", str(hashes.sha256)},
                             {"legacy_hash", str(hashes.legacyHash)},
                             {"stored", now}};
        if (!hashes.dataSha256.isEmpty())
            entry["data_sha256"] = str(hashes.dataSha256);
        if (hashes.dataStart)
            entry["data_start"] = *hashes.dataStart;
        merged[key.text()] = std::move(entry);
    }
    if (merged.size() > kMaxEntries) {
        std::vector<std::pair<int64_t, std::string>> ages;
        for (const auto& [text, entry] : merged.items())
            ages.emplace_back(entry.is_object() ? entry.value("stored", int64_t(0)) : 0, text);
        std::sort(ages.begin(), ages.end());
        for (size_t i = 0; i < ages.size() - kMaxEntries; ++i)
            merged.erase(ages[i].second);
    }
    const std::string text = nlohmann::json{{"version", 1}, {"entries", merged}}.dump(1);
    auto writer = AtomicFileWriter::create(m_file, 0600);
    if (!writer)
        return writer.error();
    if (Status written = (*writer)->file().writeAt(text.data(), text.size(), 0); !written)
        return written;
    // No fsync: a cache lost in a power cut is recomputed, and syncing would slow every first look.
    if (Status committed = (*writer)->commit(); !committed)
        return committed;
    m_entries = std::move(merged);
    return Ok{};
}

} // namespace safescope
