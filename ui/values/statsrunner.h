#pragma once

#include "core/format/model.h"
#include "core/quant/quantcatalog.h"
#include "core/values/tensorstats.h"
#include "ui/models/modelfilecheck.h"

#include <QObject>

#include <deque>
#include <map>
#include <memory>
#include <tuple>

namespace safescope {

class LatestTask;

/// Computes tensor statistics off the GUI thread for one document: a quick preview from a strided sample first,
/// then the exact result. The newest request wins (selecting another tensor cancels the running one), and exact
/// results are kept per (tensor, bins, range, binning) so going back to a tensor or a binning is instant.
/// A result computed while its file changed on disk (or after it changed since the model was set) is never shown:
/// its numbers could belong to neither version; failed() says so in plain words.
class StatsRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatsRunner)

public:
    /// Most cached results beyond each tensor's default histogram: dragged ranges are unbounded in number.
    static constexpr size_t kMaxCustomResults = 64;

    explicit StatsRunner(QObject* parent = nullptr);
    ~StatsRunner() override;

    /// A new or reloaded document: cancels work, forgets cached results and notes each shard's identity (stat).
    /// With `quant`, indexes from model->tensorCount() on name its logical tensors (logicalIndex()): their
    /// statistics are of the dequantized values, so a page asks for values without learning the scheme.
    void setModel(std::shared_ptr<const Model> model, std::shared_ptr<const QuantCatalog> quant = nullptr);
    /// The index under which statistics of logical tensor `logical` of the catalog are asked for.
    static size_t logicalIndex(const Model& model, size_t logical) { return model.tensorCount() + logical; }
    /// Statistics of tensor `index` with histogram `spec`: from the cache at once, or computed (preview first,
    /// binned with the same spec, then exact).
    void request(size_t index, const HistogramSpec& spec = {});
    /// Statistics with a custom histogram of a tensor already shown (a re-bin that bit-pattern counts cannot
    /// serve): no preview.
    void requestHistogram(size_t index, const HistogramSpec& spec);
    void cancel();
    bool isBusy() const;
    /// The exact result for (tensor, spec), null when not computed yet.
    std::shared_ptr<const TensorStats> cached(size_t index, const HistogramSpec& spec = {}) const;

signals:
    void previewReady(size_t index, std::shared_ptr<const safescope::TensorStats> stats,
                      const safescope::HistogramSpec& spec);
    void progressChanged(size_t index, double fraction);
    /// `custom` is true for requestHistogram() results.
    void statsReady(size_t index, std::shared_ptr<const safescope::TensorStats> stats,
                    const safescope::HistogramSpec& spec, bool custom);
    void failed(size_t index, const QString& message);
    /// Bytes of a remote tensor fetched (or found in the block cache) for its statistics: while fetching and once
    /// done. Never emitted for a local tensor.
    void fetched(size_t index, uint64_t bytes, uint64_t total, bool done);

private:
    // (tensor, bins, has range, lo, hi, binning): the identity of a histogram.
    using Key = std::tuple<size_t, int, bool, double, double, BinScale>;
    static Key keyOf(size_t index, const HistogramSpec& spec);
    void start(size_t index, const HistogramSpec& spec, bool custom);
    void store(size_t index, const HistogramSpec& spec, std::shared_ptr<const TensorStats> stats);

    std::shared_ptr<const Model> m_model;
    ModelFileCheck m_fileCheck; ///< the files when the model was set: results are checked against it
    std::shared_ptr<const QuantCatalog> m_quant;
    LatestTask* m_task;
    std::map<Key, std::shared_ptr<const TensorStats>> m_cache;
    std::deque<Key> m_customOrder; ///< non-default entries, oldest first, for eviction
};

} // namespace safescope
