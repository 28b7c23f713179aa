#include "ui/statsrunner.h"

#include "ui/latesttask.h"

#include <cmath>

namespace safescope {

StatsRunner::StatsRunner(QObject* parent) : QObject(parent), m_task(new LatestTask(this)) {}

StatsRunner::~StatsRunner() = default;

void StatsRunner::setModel(std::shared_ptr<const Model> model)
{
    m_task->cancel();
    m_cache.clear();
    m_model = std::move(model);
}

void StatsRunner::cancel()
{
    m_task->cancel();
}

bool StatsRunner::isBusy() const
{
    return m_task->isRunning();
}

void StatsRunner::request(size_t index)
{
    if (const auto hit = m_cache.value(index)) {
        m_task->cancel();
        emit statsReady(index, hit, false);
        return;
    }
    start(index, HistogramSpec{}, false);
}

void StatsRunner::requestHistogram(size_t index, const HistogramSpec& spec)
{
    start(index, spec, true);
}

void StatsRunner::start(size_t index, const HistogramSpec& spec, bool custom)
{
    if (!m_model || index >= m_model->tensorCount())
        return;
    std::shared_ptr<const Model> model = m_model; // the worker keeps the mapping alive
    m_task->start([this, model, index, spec, custom](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        const TensorView view = viewOf(*model, index);
        StatsOptions options;
        options.histogram = spec;
        const auto deliver = [&](Result<TensorStats>& result, bool preview) {
            if (!result) {
                if (result.error().kind != ErrorKind::Cancelled)
                    post([this, index, message = result.error().message] { emit failed(index, message); });
                return;
            }
            auto stats = std::make_shared<const TensorStats>(std::move(*result));
            post([this, index, stats, preview, custom] {
                if (preview) {
                    emit previewReady(index, stats);
                    return;
                }
                if (!custom)
                    m_cache.insert(index, stats);
                emit statsReady(index, stats, custom);
            });
        };

        // Custom histograms are a second look at a tensor already shown: skip the preview.
        if (!custom) {
            Result<TensorStats> preview = computeStatsPreview(view, options, cancel);
            const bool complete = preview && !preview->sampled;
            deliver(preview, !complete);
            if (complete || !preview)
                return;
        }
        double reported = -1.0;
        const ProgressFn progress = [&](double fraction) {
            // A percent step is as fine as a progress bar shows; more would flood the event queue.
            if (fraction - reported >= 0.01 || fraction >= 1.0) {
                reported = fraction;
                post([this, index, fraction] { emit progressChanged(index, fraction); });
            }
        };
        Result<TensorStats> exact = computeStats(view, options, cancel, progress);
        deliver(exact, false);
    });
}

} // namespace safescope
