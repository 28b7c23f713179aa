#include "core/format/shardprefetch.h"

#include "core/format/shardindex.h"
#include "core/platform/heapprefault.h"
#include "core/text/textutil.h"

namespace safescope {

ShardPrefetch::ShardPrefetch(const QDir& folder, OpenMode mode) : m_folder(folder), m_mode(mode)
{
    m_worker = std::thread([this] {
        work();
        // The headers this thread parsed were made resident ahead (platform::prefaultHeap): what is left free in
        // its arena goes back before the thread ends.
        platform::releaseThreadHeap();
    });
}

ShardPrefetch::~ShardPrefetch()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_worker.join();
}

QString ShardPrefetch::pathOf(std::string_view shard) const
{
    return m_folder.filePath(toQString(shard));
}

void ShardPrefetch::offer(std::string_view shard)
{
    if (!unsafeShardReason(shard).isEmpty())
        return;
    QString path = pathOf(shard);
    {
        const std::lock_guard lock(m_mutex);
        if (m_byPath.contains(path))
            return;
        m_byPath.insert(path, m_slots.size());
        m_slots.push_back(Slot{std::move(path), State::Waiting, std::nullopt});
    }
    m_changed.notify_all();
}

void ShardPrefetch::work()
{
    std::unique_lock lock(m_mutex);
    while (true) {
        m_changed.wait(lock, [this] { return m_stop || m_next < m_slots.size(); });
        if (m_stop)
            return;
        Slot& slot = m_slots[m_next++];
        if (slot.state != State::Waiting)
            continue; // taken by the builder meanwhile
        slot.state = State::Opening;
        lock.unlock();
        auto opened = SafetensorsFile::open(slot.path, m_mode);
        lock.lock();
        slot.result.emplace(std::move(opened));
        slot.state = State::Done;
        ++m_opened;
        m_changed.notify_all();
    }
}

Result<std::shared_ptr<const SafetensorsFile>> ShardPrefetch::take(const QString& path)
{
    std::unique_lock lock(m_mutex);
    const auto found = m_byPath.constFind(path);
    if (found == m_byPath.cend() || m_slots[*found].state == State::Taken) {
        lock.unlock();
        return SafetensorsFile::open(path, m_mode);
    }
    Slot& slot = m_slots[*found];
    if (slot.state == State::Waiting) {
        slot.state = State::Taken;
        lock.unlock();
        return SafetensorsFile::open(path, m_mode);
    }
    m_changed.wait(lock, [&slot] { return slot.state == State::Done; });
    slot.state = State::Taken;
    return std::move(*slot.result);
}

std::optional<Result<std::shared_ptr<const SafetensorsFile>>> ShardPrefetch::takeUnlessOpening(const QString& path)
{
    {
        const std::lock_guard lock(m_mutex);
        const auto found = m_byPath.constFind(path);
        if (found != m_byPath.cend() && m_slots[*found].state == State::Opening)
            return std::nullopt;
    }
    // Waiting, Done, Taken or never offered: take() returns without waiting, unless the worker starts this very shard
    // between the two locks, in which case take() waits for it (correct either way; rare, and no slower than
    // waiting was before).
    return take(path);
}

size_t ShardPrefetch::openedByWorker()
{
    const std::lock_guard lock(m_mutex);
    return m_opened;
}

} // namespace safescope
