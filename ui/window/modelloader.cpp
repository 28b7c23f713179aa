#include "ui/window/modelloader.h"

#include "core/edit/shardjournal.h"
#include "core/modelinfo/architecturesummary.h"
#include "core/platform/heapprefault.h"
#include "core/remote/location.h"
#include "core/remote/modellocation.h"
#include "core/remote/remoteconfigs.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QtConcurrent>

#include <exception>
#include <future>

namespace safescope {

Q_LOGGING_CATEGORY(lcOpen, "safescope.open", QtWarningMsg)

namespace {

// The tree fills about 150 bytes of heap per stored tensor (nodes, child lists, group totals, the flat order) and
// as much again per quantized weight (its node and totals): made resident at once (platform::prefaultHeap).
constexpr size_t kTreeHeapPerNode = 160;

// Summarised from the logical tensors: a quantized weight counts once under its float name, not as its parts.
std::vector<std::string> architectureOf(const Model& model, const QuantCatalog& quant)
{
    std::vector<NamedShape> tensors;
    tensors.reserve(model.tensorCount());
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        if (!quant.isStoredPart(i))
            tensors.push_back({model.qualifiedName(i), model.tensor(i).shape});
    }
    for (const LogicalTensor& logical : quant.tensors)
        tensors.push_back({logical.name, logical.shape});
    return summarizeArchitecture(tensors);
}

} // namespace

ModelLoader::ModelLoader(QObject* parent) : QObject(parent) {}

// Running opens are not waited for: they own their data, and their watchers die with this object.
ModelLoader::~ModelLoader() = default;

void ModelLoader::cancel()
{
    if (m_cancel)
        *m_cancel = true;
}

void ModelLoader::load(const QString& path)
{
    cancel(); // a replaced open need not finish its downloads
    m_cancel = std::make_shared<std::atomic_bool>(false);
    const quint64 generation = ++m_generation;
    ++m_pending;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    // Results arrive in order: a preview (only for a large model), then the outcome, last.
    connect(watcher, &QFutureWatcher<Outcome>::resultReadyAt, this, [this, watcher, generation](int index) {
        const Outcome outcome = watcher->resultAt(index);
        if (generation == m_generation && outcome.preview)
            emit previewReady(outcome.loaded);
    });
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        --m_pending;
        if (generation != m_generation)
            return; // a newer request superseded this one
        const QList<Outcome> results = watcher->future().results();
        if (results.isEmpty() || results.last().preview) // cannot happen: run() always adds an outcome
            return emit failed(makeError(ErrorKind::IoError, QStringLiteral("Opening failed: no outcome")));
        const Outcome& outcome = results.last();
        if (outcome.error)
            emit failed(*outcome.error);
        else
            emit loaded(outcome.loaded);
    });
    watcher->setFuture(
        QtConcurrent::run([](QPromise<Outcome>& promise, const QString& location,
                             const std::shared_ptr<std::atomic_bool>& flag) { run(promise, location, *flag); },
                          path, m_cancel));
}

void ModelLoader::run(QPromise<Outcome>& promise, const QString& path, const std::atomic_bool& cancel)
{
    promise.addResult(open(promise, path, cancel));
}

ModelLoader::Outcome ModelLoader::open(QPromise<Outcome>& promise, const QString& path, const std::atomic_bool& cancel)
{
    // QT_LOGGING_RULES="safescope.open.debug=true" prints where an open's time goes.
    QElapsedTimer step;
    step.start();
    const auto stepDone = [&step](const char* name) {
        qCDebug(lcOpen, "%s: %.1f ms", name, static_cast<double>(step.nsecsElapsed()) / 1e6);
        step.restart();
    };
    // Whatever ends the load (done, failed, cancelled), what the prefaults made resident on this thread and the
    // open's temporaries left free go back to the system: the window keeps what the model, catalog and tree hold.
    const auto release = qScopeGuard([] { platform::releaseFreeHeap(); });
    try {
        const bool remote = isRemoteLocation(path);
        // A sharded edit killed half way is finished before the shards are read, so the window never shows shards
        // that disagree only because a transaction is pending (the CLI's meta does the same). Remote files are
        // never written, so they have none.
        QStringList notes;
        if (!remote) {
            if (auto completed = completeInterruptedTransactions(path)) {
                for (const TransactionOutcome& outcome : *completed)
                    notes << outcome.describe();
            } else {
                notes << completed.error().describe();
            }
        }
        QStringList besideWeights;
        Result<std::shared_ptr<const Model>> opened =
            openModelLocation(path, OpenMode::Lenient, &cancel, remote ? &besideWeights : nullptr);
        stepDone("open");
        if (!opened)
            return {nullptr, opened.error()};
        auto result = std::make_shared<LoadedModel>();
        result->model = opened.value();
        result->recoveryNotes = std::move(notes);
        // Recognised before the tree: the tree folds each quantized weight's parts under one logical row.
        if (remote) {
            RemoteConfigs configs = readRemoteConfigs(besideWeights, &cancel);
            result->quantConfig = std::move(configs.quantConfig);
            result->card = std::move(configs.card);
        } else {
            result->quantConfig = readQuantConfig(path);
            result->card = readModelCard(path);
        }
        stepDone("configs");
        if (cancel)
            return {nullptr,
                    makeError(ErrorKind::Cancelled, QStringLiteral("Opening %1 was cancelled").arg(path), path)};
        result->quant = std::make_shared<const QuantCatalog>(recogniseQuantized(*result->model, result->quantConfig));
        stepDone("recognition");
        // A large model's first screen: the top of its tree, painted while the whole tree is built.
        if (result->model->tensorCount() >= kPreviewFromTensors && !cancel) {
            auto preview = std::make_shared<LoadedModel>(*result);
            preview->tree = TensorTree::buildPreview(result->model, result->quant, kPreviewDepth);
            promise.addResult(Outcome{std::move(preview), std::nullopt, true});
            stepDone("preview");
        }
        // The whole tree's heap, made resident after the preview is on its way: the preview's few rows do not need
        // it, and populating it (22 MB for a DeepSeek-sized index: 3 to 30 ms on a virtual machine, depending on
        // how readily the host finds huge pages) no longer holds back the first screen.
        platform::prefaultHeap((result->model->tensorCount() + result->quant->tensors.size()) * kTreeHeapPerNode);
        // The architecture summary reads the same names as the tree: on a second thread it costs the open
        // nothing (17 ms of a DeepSeek-sized index). Its own thread, not the pool's: the pool may be busy.
        std::future<std::vector<std::string>> architecture =
            std::async(std::launch::async, [&result] { return architectureOf(*result->model, *result->quant); });
        result->tree = TensorTree::build(result->model, result->quant);
        stepDone("tree");
        result->architecture = architecture.get();
        result->summary = ModelSummary::compute(*result->tree);
        stepDone("architecture and summary");
        return {std::move(result), std::nullopt};
    } catch (const std::exception& exception) {
        // Out of memory on a gigantic header must not take the whole window down.
        return {nullptr,
                makeError(ErrorKind::IoError,
                          QStringLiteral("Opening failed: %1").arg(QString::fromUtf8(exception.what())), path)};
    }
}

} // namespace safescope
