#include "ui/diff/diffjob.h"

#include "core/quant/quantcatalog.h"
#include "core/quant/quantconfig.h"
#include "core/remote/modellocation.h"
#include "core/remote/remoteconfigs.h"
#include "core/remote/remotediff.h"
#include "ui/window/latesttask.h"

#include <QElapsedTimer>

namespace safescope {

namespace {

// The configs of a local model are beside it; a remote model's were listed beside its weights when it was opened.
std::shared_ptr<const QuantCatalog> quantizedWeightsOf(const Model& model, const QString& path,
                                                       const QStringList& besideWeights, const std::atomic_bool& cancel)
{
    const QuantConfig config =
        isRemoteModel(model) ? readRemoteConfigs(besideWeights, &cancel).quantConfig : readQuantConfig(path);
    return std::make_shared<const QuantCatalog>(recogniseQuantized(model, config));
}

} // namespace

DiffJob::DiffJob(QObject* parent) : QObject(parent), m_task(new LatestTask(this)) {}

DiffJob::~DiffJob() = default;

void DiffJob::cancel()
{
    m_task->cancel();
    m_running = false;
}

void DiffJob::start(const QString& pathA, const QString& pathB, const DiffOptions& options)
{
    m_running = true;
    m_task->start([this, pathA, pathB, options](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        auto fail = [this, &post](Error error) {
            post([this, error] {
                m_running = false;
                emit failed(error);
            });
        };
        QStringList besideA, besideB; // a remote model's files beside its weights: where its configs are
        auto a = openModelLocation(pathA, OpenMode::Lenient, &cancel, &besideA);
        if (!a)
            return fail(a.error());
        auto b = openModelLocation(pathB, OpenMode::Lenient, &cancel, &besideB);
        if (!b)
            return fail(b.error());
        std::shared_ptr<const Model> modelA = *a;
        std::shared_ptr<const Model> modelB = *b;
        // Quantized weights compare by logical name as their values (a float original against its quantization).
        // Always recognised on the models opened here: a catalog lists its parts as views of its own model's names.
        DiffOptions withQuant = options;
        withQuant.quantizedA = quantizedWeightsOf(*modelA, pathA, besideA, cancel);
        withQuant.quantizedB = quantizedWeightsOf(*modelB, pathB, besideB, cancel);
        post([this, modelA, modelB, quantA = withQuant.quantizedA, quantB = withQuant.quantizedB] {
            emit modelsOpened(modelA, modelB, quantA, quantB);
        });

        // One queued event per pair would flood the GUI for models with tens of thousands of tensors: batch them,
        // flushing at most every 100 ms.
        std::vector<TensorDiff> batch;
        QElapsedTimer sinceFlush;
        sinceFlush.start();
        auto flush = [this, &batch, &post, &sinceFlush] {
            if (!batch.empty())
                post([this, rows = std::move(batch)] { emit rowsReady(rows); });
            batch.clear();
            sinceFlush.restart();
        };
        double lastProgress = -1.0;
        const ProgressFn progress = [this, &post, &lastProgress](double fraction) {
            if (fraction - lastProgress < 0.005 && fraction < 1.0)
                return;
            lastProgress = fraction;
            post([this, fraction] { emit progressChanged(fraction); });
        };
        const TensorDiffFn onTensor = [&](const TensorDiff& row) {
            batch.push_back(row);
            if (sinceFlush.elapsed() >= 100)
                flush();
        };
        const bool remote = isRemoteModel(*modelA) || isRemoteModel(*modelB);
        RemoteDiffCost cost;
        uint64_t lastFetched = 0;
        const RemoteDiffProgressFn remoteProgress = [&](double fraction, uint64_t fetched) {
            // Bytes fetched are worth saying even when the fraction barely moves (a large tensor arriving).
            if (fetched - lastFetched >= (uint64_t(1) << 20) || fraction >= 1.0) {
                lastFetched = fetched;
                post([this, fetched] { emit bytesFetchedChanged(fetched); });
            }
            progress(fraction);
        };
        auto result = remote ? diffRemoteModels(*modelA, *modelB, withQuant, cancel, remoteProgress, onTensor, &cost)
                             : diffModels(*modelA, *modelB, withQuant, cancel, progress, onTensor);
        flush();
        if (!result)
            return fail(result.error());
        if (remote)
            post([this, cost] { emit remoteCost(cost.pairsBySha256, cost.bytesFetched); });
        auto diff = std::make_shared<const ModelDiff>(std::move(*result));
        post([this, diff] {
            m_running = false;
            emit finished(diff);
        });
    });
}

} // namespace safescope
