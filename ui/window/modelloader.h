#pragma once

#include "core/format/error.h"
#include "core/format/model.h"
#include "core/modelinfo/modelcard.h"
#include "core/quant/quantcatalog.h"
#include "core/quant/quantconfig.h"
#include "ui/models/modelsummary.h"
#include "ui/models/tensortree.h"

#include <QObject>
#include <QPromise>
#include <QStringList>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace safescope {

/// Everything a document view shows, built off the GUI thread.
struct LoadedModel
{
    std::shared_ptr<const Model> model;
    std::shared_ptr<const TensorTree> tree;
    ModelSummary summary;
    std::optional<ModelCard> card;         ///< the config.json beside the model, when there is one
    std::vector<std::string> architecture; ///< summarizeArchitecture() of the tensor names
    /// What completing an interrupted sharded edit did before the open (one sentence each), or why it could not.
    QStringList recoveryNotes;
    /// The quantization the model's folder declares, and what it turned out to mean: the logical tensors the tree
    /// folds parts under and the values pages read dequantized. Never null; empty for a float model.
    QuantConfig quantConfig;
    std::shared_ptr<const QuantCatalog> quant;
};

/// Opens models with QtConcurrent; only the newest request reports back ("latest request wins"), so a slow
/// open that the user already replaced by a reload can never overwrite the newer result. A large model is first
/// reported as a preview (its tree to kPreviewDepth, TensorTree::buildPreview) while the whole tree is built.
class ModelLoader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelLoader)

public:
    explicit ModelLoader(QObject* parent = nullptr);
    ~ModelLoader() override;

    /// Opens a local path, an http(s):// URL or a hf:// location (core/remote/modellocation.h).
    void load(const QString& path);
    bool isBusy() const { return m_pending > 0; }
    /// Stops the running open (a remote one aborts its requests); it reports failed() with ErrorKind::Cancelled.
    void cancel();

    /// Models of fewer tensors build their whole tree at once: a preview would only add a second reset of the views.
    static constexpr size_t kPreviewFromTensors = 16384;
    /// The rows a preview holds: the top level and the level below it, which a model of up to three top-level rows
    /// shows opened (TensorBrowser).
    static constexpr uint32_t kPreviewDepth = 2;

signals:
    /// Before loaded(), for a large model: `preview->tree` is a preview, and `summary` and `architecture` are empty.
    void previewReady(const std::shared_ptr<const safescope::LoadedModel>& preview);
    void loaded(const std::shared_ptr<const safescope::LoadedModel>& result);
    void failed(const safescope::Error& error);

private:
    struct Outcome
    {
        std::shared_ptr<const LoadedModel> loaded;
        std::optional<Error> error;
        bool preview = false; ///< `loaded` is a preview, and an outcome follows
    };
    /// Adds the preview (when there is one), then the outcome, to `promise`.
    static void run(QPromise<Outcome>& promise, const QString& path, const std::atomic_bool& cancel);
    static Outcome open(QPromise<Outcome>& promise, const QString& path, const std::atomic_bool& cancel);

    quint64 m_generation = 0;
    std::shared_ptr<std::atomic_bool> m_cancel;
    int m_pending = 0;
};

} // namespace safescope
