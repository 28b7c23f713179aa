#include "ui/window/latesttask.h"

#include <QtConcurrent>

namespace safescope {

LatestTask::LatestTask(QObject* parent) : QObject(parent) {}

LatestTask::~LatestTask()
{
    cancel();
    for (QFuture<void>& future : m_futures)
        future.waitForFinished();
}

void LatestTask::cancel()
{
    ++m_generation;
    if (m_cancel)
        m_cancel->store(true);
    m_cancel.reset();
}

bool LatestTask::isRunning() const
{
    return std::any_of(m_futures.begin(), m_futures.end(), [](const QFuture<void>& f) { return !f.isFinished(); });
}

void LatestTask::start(Work work)
{
    cancel();
    m_futures.removeIf([](const QFuture<void>& f) { return f.isFinished(); });
    const quint64 generation = m_generation;
    auto flag = std::make_shared<std::atomic_bool>(false);
    m_cancel = flag;
    // Called from the worker: the event is queued to this object, and the generation is checked on arrival, so a
    // result of a superseded job never reaches the UI even if it was posted just before the cancel.
    Post post = [this, generation, flag](Continuation continuation) {
        if (flag->load())
            return;
        QMetaObject::invokeMethod(
            this,
            [this, generation, continuation = std::move(continuation)] {
                if (generation == m_generation)
                    continuation();
            },
            Qt::QueuedConnection);
    };
    m_futures.append(QtConcurrent::run([work = std::move(work), flag, post = std::move(post)] { work(*flag, post); }));
}

} // namespace safescope
