#pragma once

#include "core/diff/modeldiff.h"
#include "core/format/error.h"
#include "core/format/model.h"

#include <QObject>

#include <memory>
#include <vector>

namespace safescope {

struct QuantCatalog;

class LatestTask;

/// Opens two models and diffs them off the GUI thread. Rows reach the GUI in batches as pairs finish; a new start()
/// or cancel() supersedes the running job (its late results are dropped). Models are reopened per run, which costs
/// only a header parse and an mmap, and keeps each run's data self-contained. Either side may be a remote location
/// (http(s)://, hf://): its headers are fetched, and pairs whose files have the same published SHA-256 are identical
/// without a byte of data transferred (diffRemoteModels()).
class DiffJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffJob)

public:
    explicit DiffJob(QObject* parent = nullptr);
    ~DiffJob() override;

    void start(const QString& pathA, const QString& pathB, const DiffOptions& options);
    void cancel();
    bool isRunning() const { return m_running; }

signals:
    /// Both models are open and their quantized weights recognised (the pair views dequantize through them).
    void modelsOpened(const std::shared_ptr<const safescope::Model>& a,
                      const std::shared_ptr<const safescope::Model>& b,
                      const std::shared_ptr<const safescope::QuantCatalog>& quantA,
                      const std::shared_ptr<const safescope::QuantCatalog>& quantB);
    void rowsReady(const std::vector<safescope::TensorDiff>& rows);
    void progressChanged(double fraction);
    /// When either model is remote: the tensor bytes fetched so far (cache hits included).
    void bytesFetchedChanged(quint64 bytes);
    /// When either model is remote, before finished(): pairs found identical by published SHA-256 alone, and the
    /// tensor bytes fetched for the others.
    void remoteCost(size_t pairsBySha256, uint64_t bytesFetched);
    void finished(const std::shared_ptr<const safescope::ModelDiff>& diff);
    void failed(const safescope::Error& error);

private:
    LatestTask* m_task;
    bool m_running = false;
};

} // namespace safescope
