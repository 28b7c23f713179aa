#pragma once

#include "core/model.h"
#include "core/tensorstats.h"

#include <QHash>
#include <QObject>

#include <memory>

namespace safescope {

class LatestTask;

/// Computes tensor statistics off the GUI thread for one document: a quick preview from a strided sample first,
/// then the exact result. The newest request wins (selecting another tensor cancels the running one), and exact
/// results with the default histogram are kept for the session so going back to a tensor is instant.
class StatsRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatsRunner)

public:
    explicit StatsRunner(QObject* parent = nullptr);
    ~StatsRunner() override;

    /// A new or reloaded document: cancels work and forgets cached results.
    void setModel(std::shared_ptr<const Model> model);
    /// Statistics of tensor `index` with the default histogram: from the cache at once, or computed.
    void request(size_t index);
    /// Statistics with a custom histogram (a re-bin that bit-pattern counts cannot serve); not cached.
    void requestHistogram(size_t index, const HistogramSpec& spec);
    void cancel();
    bool isBusy() const;
    std::shared_ptr<const TensorStats> cached(size_t index) const { return m_cache.value(index); }

signals:
    void previewReady(size_t index, std::shared_ptr<const safescope::TensorStats> stats);
    void progressChanged(size_t index, double fraction);
    /// `custom` is true for requestHistogram() results.
    void statsReady(size_t index, std::shared_ptr<const safescope::TensorStats> stats, bool custom);
    void failed(size_t index, const QString& message);

private:
    void start(size_t index, const HistogramSpec& spec, bool custom);

    std::shared_ptr<const Model> m_model;
    LatestTask* m_task;
    QHash<size_t, std::shared_ptr<const TensorStats>> m_cache;
};

} // namespace safescope
