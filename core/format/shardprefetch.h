#pragma once

#include "core/format/error.h"
#include "core/format/safetensorsfile.h"

#include <QDir>
#include <QHash>
#include <QString>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace safescope {

/// Opens the shards of a local index on a worker thread as the index parser meets their names, so reading the
/// shards' headers overlaps parsing the index that lists them (an 8 MB DeepSeek-V3 index took a fifth of opening
/// the model, on one core, before any shard was read). Names that are not plain file names next to the index are
/// never opened: the index is refused for them afterwards. Whatever the worker opened and nobody takes (a parse that
/// failed, a shard only a repeated key named) is dropped with the object.
class ShardPrefetch final
{
public:
    ShardPrefetch(const QDir& folder, OpenMode mode);
    ~ShardPrefetch();
    ShardPrefetch(const ShardPrefetch&) = delete;
    ShardPrefetch& operator=(const ShardPrefetch&) = delete;

    /// The path the builder opens for `shard`: the key take() expects.
    QString pathOf(std::string_view shard) const;

    /// A shard name, the first time the index names it (the parser's thread).
    void offer(std::string_view shard);

    /// The file at `path`: the worker's result, waited for when it is being opened, or opened on the calling thread
    /// when the worker has not started it (or it was never offered). Any thread; each path taken once.
    Result<std::shared_ptr<const SafetensorsFile>> take(const QString& path);
    /// take(), except that a file the worker is opening right now is left to it: nullopt, take() it later. A thread
    /// opening shards beside the worker uses it, so it is never idle behind the worker.
    std::optional<Result<std::shared_ptr<const SafetensorsFile>>> takeUnlessOpening(const QString& path);

    /// How many files the worker has opened so far (tests and benchmarks).
    size_t openedByWorker();

private:
    enum class State
    {
        Waiting,
        Opening,
        Done,
        Taken
    };
    struct Slot
    {
        QString path;
        State state = State::Waiting;
        std::optional<Result<std::shared_ptr<const SafetensorsFile>>> result;
    };

    void work();

    const QDir m_folder;
    const OpenMode m_mode;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Slot> m_slots; ///< in offer order; a deque keeps references valid while it grows
    QHash<QString, size_t> m_byPath;
    size_t m_next = 0; ///< the first slot the worker has not looked at
    size_t m_opened = 0;
    bool m_stop = false;
    std::thread m_worker;
};

} // namespace safescope
