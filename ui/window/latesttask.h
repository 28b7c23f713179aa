#pragma once

#include <QFuture>
#include <QList>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

namespace safescope {

/// Runs background work on the thread pool where only the newest request matters ("latest wins"): starting a job
/// cancels the previous one and drops anything it still reports. The work receives a cancel flag (for the core
/// functions) and `post`, which runs a continuation on the GUI thread only while that job is still the current one.
class LatestTask final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LatestTask)

public:
    using Continuation = std::function<void()>;
    using Post = std::function<void(Continuation)>;
    using Work = std::function<void(const std::atomic_bool& cancel, const Post& post)>;

    explicit LatestTask(QObject* parent = nullptr);
    /// Cancels and waits: the work may use data its owner frees after this.
    ~LatestTask() override;

    void start(Work work);
    /// Cancels the current job; its continuations are dropped.
    void cancel();
    bool isRunning() const;

private:
    quint64 m_generation = 0;
    std::shared_ptr<std::atomic_bool> m_cancel;
    QList<QFuture<void>> m_futures;
};

} // namespace safescope
