#pragma once

#include "core/format/error.h"
#include "ui/window/modelloader.h"

#include <QWidget>

class QProgressDialog;
class QStackedWidget;
class QUndoStack;

namespace safescope {

class ChangedBanner;
class Document;
class ErrorPage;
class LoadingPage;
class Model;
class ModelLoader;
class ModelView;
class RecoveryBanner;
struct MetadataSaveOutcome;
struct SaveConflict;

/// One tab: loads a path off the GUI thread and shows the busy page, the error page or the model; watches the
/// files on disk (through its Document) and offers a reload when they change. The Document owns the edit state and
/// makes the save decisions; this view presents them (summary, conflict dialog, progress, failures).
class DocumentView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentView)

public:
    enum class State
    {
        Loading,
        Failed,
        Ready
    };

    explicit DocumentView(const QString& path, QWidget* parent = nullptr);
    ~DocumentView() override;

    const QString& path() const;
    /// The model's name, with a "*" while its metadata has unsaved edits.
    QString title() const;
    State state() const { return m_state; }
    void reload();

    Document* document() const { return m_document; }
    ModelView* modelView() const { return m_modelView; }
    ErrorPage* errorPage() const { return m_errorPage; }
    ChangedBanner* banner() const { return m_banner; }
    RecoveryBanner* recoveryBanner() const { return m_recoveryBanner; }

    /// Metadata editing: the current model's undo history; modified while it is not clean.
    QUndoStack* undoStack() const;
    bool isModified() const;
    /// Save / Save As with the summary dialog (and a file dialog for Save As); failures are shown in a message box.
    void save();
    void saveAs();
    /// Starts a save without asking; saveFinished reports how it went. False when there is nothing to save to, or
    /// when a file changed on disk since it was read (nothing is written then; save() asks what to do).
    bool startSave(const QString& outputPath = {}, uint64_t reserveBytes = 0, bool forceRewrite = false);
    /// Save As of a sharded model: writes every shard with the edited metadata, and the index, into `directory`;
    /// the originals are not touched and the tab then shows the copy. False when there is nothing to save.
    bool startSaveShardsAs(const QString& directory, uint64_t reserveBytes = 0);
    bool isSaving() const;
    QString lastSaveMessage() const { return m_lastSaveMessage; }
    /// Asks Save / Discard / Cancel when there are unsaved edits; true when the tab may close.
    bool confirmClose();
    /// Status bar summary ("12 tensors · 1.2 M parameters"); empty unless ready.
    QString summary() const;

signals:
    void stateChanged(safescope::DocumentView::State state);
    /// A large model's first screen is on show (ModelView::showPreview) while it is still Loading.
    void previewShown();
    void selectionChanged(const QString& text);
    void openRequested();
    void modifiedChanged();
    void saveFinished(bool ok, const QString& message);

private:
    void onPreview(const std::shared_ptr<const LoadedModel>& preview);
    void onLoaded(const std::shared_ptr<const LoadedModel>& loaded);
    void onFailed(const Error& failure);
    void setState(State state);
    void onSaved(const MetadataSaveOutcome& outcome);
    void onConflict(const SaveConflict& conflict);
    /// Asks what to do about files changed on disk and starts that save; true when a save started.
    bool resolveConflict(const SaveConflict& conflict);
    void checkRecovery();
    void resolveRecovery(bool restore);
    bool started(bool ok);
    void saveShardsAs(const Model& model);
    QString displayName() const;

    Document* m_document;
    State m_state = State::Loading;
    ModelLoader* m_loader;
    ChangedBanner* m_banner;
    QStackedWidget* m_stack;
    LoadingPage* m_loadingPage;
    ErrorPage* m_errorPage;
    ModelView* m_modelView;
    RecoveryBanner* m_recoveryBanner;
    QProgressDialog* m_progress = nullptr;
    QString m_lastSaveMessage;
    bool m_interactiveSave = false;
    bool m_conflictWanted = false; ///< an interactive save was refused for a change: ask the user what to do
    bool m_presentingConflict = false;
    uint64_t m_reserveBytes = 0; ///< what the user chose in the summary, kept for the save after a conflict
    QString m_recoveryNotice;    ///< what the last Restore/Discard did, shown once the reloaded file is on screen
};

} // namespace safescope
