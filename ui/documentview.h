#pragma once

#include "core/error.h"
#include "ui/modelloader.h"

#include <QDeadlineTimer>
#include <QWidget>

class QFileSystemWatcher;
class QProgressDialog;
class QStackedWidget;
class QUndoStack;

namespace safescope {

class ChangedBanner;
class ErrorPage;
class LoadingPage;
class Model;
class ModelLoader;
class MetadataSaveJob;
class ModelView;
class RecoveryBanner;
struct MetadataSaveOutcome;
struct MetadataSaveRequest;

/// One tab: loads a path off the GUI thread and shows the busy page, the error page or the model; watches the
/// files on disk and offers a reload when they change.
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

    const QString& path() const { return m_path; }
    /// The model's name, with a "*" while its metadata has unsaved edits.
    QString title() const;
    State state() const { return m_state; }
    void reload();

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
    /// Starts a save without asking; saveFinished reports how it went. False when there is nothing to save to.
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
    void selectionChanged(const QString& text);
    void openRequested();
    void modifiedChanged();
    void saveFinished(bool ok, const QString& message);

private:
    void onLoaded(const std::shared_ptr<const LoadedModel>& loaded);
    void onFailed(const Error& error);
    void setState(State state);
    void watch(const QStringList& paths);
    void onSaved(const MetadataSaveOutcome& outcome);
    void checkRecovery();
    void resolveRecovery(bool restore);
    bool startRequest(MetadataSaveRequest request);
    void saveShardsAs(const Model& model);
    QString editedFileName() const;

    QString m_path;
    State m_state = State::Loading;
    ModelLoader* m_loader;
    QFileSystemWatcher* m_watcher;
    ChangedBanner* m_banner;
    QStackedWidget* m_stack;
    LoadingPage* m_loadingPage;
    ErrorPage* m_errorPage;
    ModelView* m_modelView;
    RecoveryBanner* m_recoveryBanner;
    MetadataSaveJob* m_saveJob;
    QProgressDialog* m_progress = nullptr;
    QString m_lastSaveMessage;
    bool m_interactiveSave = false;
    // Our own save changes the file: the watcher must not call that a change on disk.
    QDeadlineTimer m_ignoreChanges;
};

} // namespace safescope
