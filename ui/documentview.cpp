#include "ui/documentview.h"

#include "ui/changedbanner.h"
#include "ui/errorpage.h"
#include "ui/loadingpage.h"
#include "ui/metadatapage.h"
#include "ui/metadatasavejob.h"
#include "ui/models/format.h"
#include "ui/models/metadatamodel.h"
#include "ui/modelview.h"
#include "ui/recoverybanner.h"
#include "ui/savesummarydialog.h"

#include <QDir>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QMessageBox>
#include <QProgressDialog>
#include <QStackedWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include <utility>

namespace safescope {

DocumentView::DocumentView(const QString& path, QWidget* parent)
    : QWidget(parent), m_path(QFileInfo(path).absoluteFilePath()), m_loader(new ModelLoader(this)),
      m_watcher(new QFileSystemWatcher(this)), m_banner(new ChangedBanner(this)), m_stack(new QStackedWidget(this)),
      m_loadingPage(new LoadingPage), m_errorPage(new ErrorPage), m_modelView(new ModelView),
      m_recoveryBanner(new RecoveryBanner(this)), m_saveJob(new MetadataSaveJob(this))
{
    m_stack->addWidget(m_loadingPage);
    m_stack->addWidget(m_errorPage);
    m_stack->addWidget(m_modelView);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_recoveryBanner);
    layout->addWidget(m_banner);
    layout->addWidget(m_stack, 1);

    connect(m_loader, &ModelLoader::loaded, this, &DocumentView::onLoaded);
    connect(m_loader, &ModelLoader::failed, this, &DocumentView::onFailed);
    connect(m_banner, &ChangedBanner::reloadRequested, this, &DocumentView::reload);
    connect(m_errorPage, &ErrorPage::reloadRequested, this, &DocumentView::reload);
    connect(m_errorPage, &ErrorPage::openRequested, this, &DocumentView::openRequested);
    connect(m_modelView, &ModelView::selectionChanged, this, &DocumentView::selectionChanged);
    connect(m_saveJob, &MetadataSaveJob::finished, this, &DocumentView::onSaved);
    connect(m_recoveryBanner, &RecoveryBanner::restoreRequested, this, [this] { resolveRecovery(true); });
    connect(m_recoveryBanner, &RecoveryBanner::discardRequested, this, [this] { resolveRecovery(false); });
    MetadataPage* metadata = m_modelView->metadataPage();
    connect(metadata->metadataModel(), &MetadataModel::modifiedChanged, this, &DocumentView::modifiedChanged);
    connect(metadata, &MetadataPage::saveRequested, this, &DocumentView::save);
    connect(metadata, &MetadataPage::saveAsRequested, this, &DocumentView::saveAs);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString& changed) {
        if (isSaving() || !m_ignoreChanges.hasExpired()) {
            if (QFileInfo::exists(changed) && !m_watcher->files().contains(changed))
                m_watcher->addPath(changed);
            return;
        }
        m_banner->showFor(changed);
        // Editors that save by rename drop the watch; keep following the path.
        if (QFileInfo::exists(changed) && !m_watcher->files().contains(changed))
            m_watcher->addPath(changed);
    });
    reload();
}

DocumentView::~DocumentView() = default;

QString DocumentView::title() const
{
    const QString name = m_state == State::Ready && m_modelView->loaded() ? m_modelView->loaded()->model->displayName()
                                                                          : QFileInfo(m_path).fileName();
    return isModified() ? name + u'*' : name;
}

QString DocumentView::summary() const
{
    if (m_state != State::Ready || !m_modelView->loaded())
        return {};
    const Model& model = *m_modelView->loaded()->model;
    return tr("%1 tensors \u00b7 %2 parameters \u00b7 %3")
        .arg(format::count(model.tensorCount()), format::compactCount(model.totalParameters()),
             format::bytes(model.totalFileBytes()));
}

void DocumentView::reload()
{
    m_banner->hide();
    checkRecovery();
    m_loadingPage->setPath(m_path);
    // A reload keeps the old contents on screen until the new ones are ready; only a first open shows the busy page.
    if (m_state != State::Ready)
        m_stack->setCurrentWidget(m_loadingPage);
    setState(State::Loading);
    m_loader->load(m_path);
}

void DocumentView::onLoaded(const std::shared_ptr<const LoadedModel>& loaded)
{
    QStringList files;
    for (const auto& shard : loaded->model->shards())
        files.append(shard.path);
    if (!loaded->model->indexPath().isEmpty())
        files.append(loaded->model->indexPath());
    watch(files);
    m_modelView->setModel(loaded);
    m_stack->setCurrentWidget(m_modelView);
    setState(State::Ready);
}

void DocumentView::onFailed(const Error& error)
{
    // Watch the broken file too: fixing it (e.g. `git lfs pull`) then offers a reload.
    watch({error.path.isEmpty() ? m_path : error.path});
    m_errorPage->setError(error);
    m_stack->setCurrentWidget(m_errorPage);
    setState(State::Failed);
}

void DocumentView::setState(State state)
{
    m_state = state;
    emit stateChanged(state);
}

void DocumentView::watch(const QStringList& paths)
{
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    QStringList existing;
    for (const QString& path : paths) {
        if (QFileInfo(path).isFile())
            existing.append(path);
    }
    if (!existing.isEmpty())
        m_watcher->addPaths(existing);
}

QUndoStack* DocumentView::undoStack() const
{
    return m_modelView->metadataPage()->metadataModel()->undoStack();
}

bool DocumentView::isModified() const
{
    return m_modelView->metadataPage()->metadataModel()->isModified();
}

bool DocumentView::isSaving() const
{
    return m_saveJob->isRunning();
}

bool DocumentView::startSave(const QString& outputPath, uint64_t reserveBytes, bool forceRewrite)
{
    MetadataSaveRequest request;
    request.outputPath = outputPath;
    request.reserveBytes = reserveBytes;
    request.forceRewrite = forceRewrite;
    return startRequest(std::move(request));
}

bool DocumentView::startSaveShardsAs(const QString& directory, uint64_t reserveBytes)
{
    if (directory.isEmpty())
        return false;
    MetadataSaveRequest request;
    request.outputDirectory = directory;
    request.reserveBytes = reserveBytes;
    return startRequest(std::move(request));
}

bool DocumentView::startRequest(MetadataSaveRequest request)
{
    if (m_state != State::Ready || !m_modelView->loaded() || isSaving())
        return false;
    const MetadataPage* page = m_modelView->metadataPage();
    const MetadataModel* metadata = page->metadataModel();
    request.model = m_modelView->loaded()->model;
    request.before = metadata->originalEntries();
    request.after = metadata->headerEntries();
    request.shard = page->shardScope();
    if (!m_saveJob->start(std::move(request)))
        return false;
    if (m_interactiveSave) {
        m_progress = new QProgressDialog(tr("Saving metadata\u2026"), tr("Cancel"), 0, 100, this);
        m_progress->setWindowModality(Qt::WindowModal);
        m_progress->setMinimumDuration(400);
        connect(m_saveJob, &MetadataSaveJob::progressChanged, m_progress, &QProgressDialog::setValue);
        connect(m_progress, &QProgressDialog::canceled, m_saveJob, &MetadataSaveJob::cancel);
    }
    return true;
}

QString DocumentView::editedFileName() const
{
    const int shard = m_modelView->metadataPage()->shardScope();
    if (shard >= 0 && m_modelView->loaded())
        return QFileInfo(m_modelView->loaded()->model->shards()[static_cast<size_t>(shard)].path).fileName();
    return QFileInfo(m_path).fileName();
}

void DocumentView::onSaved(const MetadataSaveOutcome& outcome)
{
    if (m_progress) {
        m_progress->deleteLater();
        m_progress = nullptr;
    }
    const bool interactive = std::exchange(m_interactiveSave, false);
    m_lastSaveMessage = outcome.message;
    if (!outcome.ok) {
        // The edits stay: the user can fix the cause (permissions, space) and save again.
        if (interactive)
            QMessageBox::warning(this, tr("Save Failed"), tr("The metadata was not saved.\n\n%1").arg(outcome.message));
        emit saveFinished(false, outcome.message);
        return;
    }
    m_ignoreChanges = QDeadlineTimer(2000);
    // A sharded save in place keeps the folder the user opened; any Save As moves the tab to the copy.
    if (!outcome.path.isEmpty() && (outcome.newLocation || QFileInfo(m_path).isFile()))
        m_path = QFileInfo(outcome.path).absoluteFilePath();
    reload();
    emit saveFinished(true, outcome.message);
}

void DocumentView::save()
{
    if (m_state != State::Ready || !m_modelView->loaded() || isSaving() || !isModified())
        return;
    const MetadataModel* metadata = m_modelView->metadataPage()->metadataModel();
    SaveSummaryDialog dialog(metadata->originalEntries(), metadata->headerEntries(), editedFileName(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_interactiveSave = true;
    if (!startSave({}, dialog.reserveBytes()))
        m_interactiveSave = false;
}

void DocumentView::saveAs()
{
    if (m_state != State::Ready || !m_modelView->loaded() || isSaving())
        return;
    const Model& model = *m_modelView->loaded()->model;
    if (model.shards().size() != 1) {
        saveShardsAs(model);
        return;
    }
    const QString target = QFileDialog::getSaveFileName(this, tr("Save Checkpoint As"), QFileInfo(m_path).path(),
                                                        tr("Safetensors checkpoints (*.safetensors)"));
    if (target.isEmpty())
        return;
    const MetadataModel* metadata = m_modelView->metadataPage()->metadataModel();
    SaveSummaryDialog dialog(metadata->originalEntries(), metadata->headerEntries(), QFileInfo(target).fileName(),
                             this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_interactiveSave = true;
    if (!startSave(target, dialog.reserveBytes()))
        m_interactiveSave = false;
}

void DocumentView::saveShardsAs(const Model& model)
{
    const QString directory = QFileDialog::getExistingDirectory(this, tr("Save Sharded Checkpoint Into Folder"),
                                                                QFileInfo(QFileInfo(m_path).absolutePath()).path());
    if (directory.isEmpty())
        return;
    // Every shard file and the index land in the folder: say which existing files that would replace.
    QStringList names;
    for (const Model::Shard& shard : model.shards())
        names.append(QFileInfo(shard.path).fileName());
    if (!model.indexPath().isEmpty())
        names.append(QFileInfo(model.indexPath()).fileName());
    QStringList existing;
    for (const QString& name : std::as_const(names)) {
        if (QFileInfo::exists(QDir(directory).filePath(name)))
            existing.append(name);
    }
    if (!existing.isEmpty() &&
        QMessageBox::question(
            this, tr("Replace Files?"),
            tr("%n file(s) in \u201c%1\u201d will be replaced:\n%2", nullptr, static_cast<int>(existing.size()))
                .arg(QDir::toNativeSeparators(directory), existing.join(u'\n')),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    const MetadataModel* metadata = m_modelView->metadataPage()->metadataModel();
    SaveSummaryDialog dialog(
        metadata->originalEntries(), metadata->headerEntries(),
        tr("%n shard(s) in %1", nullptr, static_cast<int>(model.shards().size())).arg(QFileInfo(directory).fileName()),
        this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_interactiveSave = true;
    if (!startSaveShardsAs(directory, dialog.reserveBytes()))
        m_interactiveSave = false;
}

bool DocumentView::confirmClose()
{
    if (isSaving())
        return false;
    if (!isModified())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved Metadata"), tr("The metadata of \u201c%1\u201d has unsaved changes.").arg(title()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Discard)
        return true;
    if (answer != QMessageBox::Save)
        return false;
    QEventLoop loop;
    bool saved = false;
    const auto connection = connect(this, &DocumentView::saveFinished, &loop, [&](bool ok) {
        saved = ok;
        loop.quit();
    });
    m_interactiveSave = true;
    if (startSave())
        loop.exec();
    else
        m_interactiveSave = false;
    disconnect(connection);
    return saved;
}

void DocumentView::checkRecovery()
{
    if (!QFileInfo(m_path).isFile() || !m_path.endsWith(QLatin1StringView(".safetensors"))) {
        m_recoveryBanner->hide();
        return;
    }
    const RecoveryInfo info = inspectRecovery(m_path);
    if (info.needsAttention())
        m_recoveryBanner->showFor(info);
    else
        m_recoveryBanner->hide();
}

void DocumentView::resolveRecovery(bool restore)
{
    const Status status = restore ? restoreRecovery(m_path) : discardRecovery(m_path);
    if (!status) {
        QMessageBox::warning(this, restore ? tr("Restore Failed") : tr("Discard Failed"), status.error().describe());
        return;
    }
    m_ignoreChanges = QDeadlineTimer(2000);
    reload();
}

} // namespace safescope
