#include "ui/values/statsrunner.h"

#include "core/quant/dequantizedstats.h"
#include "core/quant/dequantizer.h"
#include "core/remote/tensorbytes.h"
#include "ui/window/latesttask.h"

#include <algorithm>
#include <cmath>
namespace safescope {

StatsRunner::StatsRunner(QObject* parent) : QObject(parent), m_task(new LatestTask(this)) {}

StatsRunner::~StatsRunner() = default;

StatsRunner::Key StatsRunner::keyOf(size_t index, const HistogramSpec& spec)
{
    const auto [lo, hi] = spec.range.value_or(std::pair{0.0, 0.0});
    return {index, spec.bins, spec.range.has_value(), lo, hi, spec.scale};
}

void StatsRunner::setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant)
{
    m_task->cancel();
    m_cache.clear();
    m_customOrder.clear();
    m_model = std::move(model);
    m_fileCheck = m_model ? ModelFileCheck(*m_model) : ModelFileCheck();
    m_quant = std::move(quant);
}

void StatsRunner::cancel()
{
    m_task->cancel();
}

bool StatsRunner::isBusy() const
{
    return m_task->isRunning();
}

std::shared_ptr<const TensorStats> StatsRunner::cached(size_t index, const HistogramSpec& spec) const
{
    const auto hit = m_cache.find(keyOf(index, spec));
    return hit == m_cache.end() ? nullptr : hit->second;
}

void StatsRunner::store(size_t index, const HistogramSpec& spec, std::shared_ptr<const TensorStats> stats)
{
    const Key key = keyOf(index, spec);
    const bool isNew = m_cache.insert_or_assign(key, std::move(stats)).second;
    // Each tensor's default result stays for the session (the heatmap and going back need it); the rest is
    // bounded, oldest out first.
    if (!isNew || spec == HistogramSpec{})
        return;
    m_customOrder.push_back(key);
    if (m_customOrder.size() > kMaxCustomResults) {
        m_cache.erase(m_customOrder.front());
        m_customOrder.pop_front();
    }
}

void StatsRunner::request(size_t index, const HistogramSpec& spec)
{
    if (const auto hit = cached(index, spec)) {
        m_task->cancel();
        emit statsReady(index, hit, spec, false);
        return;
    }
    start(index, spec, false);
}

void StatsRunner::requestHistogram(size_t index, const HistogramSpec& spec)
{
    if (const auto hit = cached(index, spec)) {
        m_task->cancel();
        emit statsReady(index, hit, spec, true);
        return;
    }
    start(index, spec, true);
}

void StatsRunner::start(size_t index, const HistogramSpec& spec, bool custom)
{
    if (!m_model)
        return;
    std::shared_ptr<const Model> model = m_model; // the worker keeps the mapping alive
    // A logical tensor: its values are dequantized from its parts; the main part's file is the one watched.
    std::optional<LogicalTensor> logical;
    size_t stored = index;
    if (index >= model->tensorCount()) {
        const size_t k = index - model->tensorCount();
        if (!m_quant || k >= m_quant->tensors.size())
            return;
        logical = m_quant->tensors[k];
        const std::optional<size_t> main = model->find(logical->parts.front().second);
        if (!main)
            return;
        stored = *main;
    }
    m_task->start([this, model, index, stored, spec, custom, logical,
                   check = m_fileCheck](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        StatsOptions options;
        options.histogram = spec;
        const auto deliver = [&](Result<TensorStats>& result, bool preview) {
            // Checked after the read: a change during it (or before it, since the model was read) makes the numbers
            // those of neither file.
            if (result) {
                if (auto changed = check.changed(*model, stored))
                    result = std::move(*changed);
            }
            if (!result) {
                if (result.error().kind != ErrorKind::Cancelled)
                    post([this, index, message = result.error().message] { emit failed(index, message); });
                return;
            }
            auto stats = std::make_shared<const TensorStats>(std::move(*result));
            post([this, index, stats, spec, preview, custom] {
                if (preview) {
                    emit previewReady(index, stats, spec);
                    return;
                }
                store(index, spec, stats);
                emit statsReady(index, stats, spec, custom);
            });
        };

        double reported = -1.0;
        const ProgressFn progress = [&](double fraction) {
            // A percent step is as fine as a progress bar shows; more would flood the event queue.
            if (fraction - reported >= 0.01 || fraction >= 1.0) {
                reported = fraction;
                post([this, index, fraction] { emit progressChanged(index, fraction); });
            }
        };
        // A remote tensor is fetched whole first (several ranges in flight, through the block cache): a strided
        // preview would touch every page of it anyway. The fetch takes the first half of the progress bar.
        // A logical tensor's bytes are those of its stored parts.
        const bool remote = TensorBytes::isRemote(*model, stored);
        uint64_t total = 0;
        if (logical) {
            for (const auto& [role, name] : logical->parts)
                if (const std::optional<size_t> part = model->find(name))
                    total += model->tensor(*part).byteSize();
        } else {
            total = model->tensor(index).byteSize();
        }
        double fetchReported = -1.0;
        const ProgressFn fetchProgress = [&](double fraction) {
            progress(fraction / 2);
            if (fraction - fetchReported < 0.01 && fraction < 1.0)
                return;
            fetchReported = fraction;
            post([this, index, fraction, total] {
                emit fetched(index, static_cast<uint64_t>(fraction * static_cast<double>(total)), total, false);
            });
        };
        if (logical) {
            // No sampled preview: a strided sample of codes is not a sample of values without its scales. A remote
            // weight's stored parts are fetched whole first (TensorBytes decides), taking the first half of the bar.
            uint64_t bytesFetched = 0;
            auto dequantizer = TensorBytes::dequantizer(*model, *logical, &cancel,
                                                        remote ? fetchProgress : ProgressFn(), &bytesFetched);
            if (remote && dequantizer)
                post([this, index, bytesFetched, total] { emit fetched(index, bytesFetched, total, true); });
            const ProgressFn computeProgress = [&](double f) { progress(remote ? 0.5 + f / 2 : f); };
            Result<TensorStats> exact = dequantizer
                                            ? computeDequantizedStats(**dequantizer, options, cancel, computeProgress)
                                            : Result<TensorStats>(dequantizer.error());
            deliver(exact, false);
            return;
        }
        Result<TensorBytes> bytes = TensorBytes::whole(*model, index, &cancel, remote ? fetchProgress : ProgressFn());
        if (!bytes) {
            Result<TensorStats> failure = bytes.error();
            deliver(failure, false);
            return;
        }
        if (remote)
            post([this, index, done = bytes->bytesFetched(), total] { emit fetched(index, done, total, true); });
        const TensorView& view = bytes->view();
        const ProgressFn computeProgress = [&](double fraction) { progress(remote ? 0.5 + fraction / 2 : fraction); };
        // Custom histograms are a second look at a tensor already shown: skip the preview.
        if (!custom && !remote) {
            Result<TensorStats> preview = computeStatsPreview(view, options, cancel);
            const bool complete = preview && !preview->sampled;
            deliver(preview, !complete);
            if (complete || !preview)
                return;
        }
        Result<TensorStats> exact = computeStats(view, options, cancel, computeProgress);
        deliver(exact, false);
    });
}

} // namespace safescope
