#include "ui/window/documentview.h"

#include "core/remote/location.h"
#include "core/text/format.h"
#include "ui/metadata/metadatapage.h"
#include "ui/metadata/saveconflictdialog.h"
#include "ui/metadata/savesummarydialog.h"
#include "ui/models/document.h"
#include "ui/models/metadatamodel.h"
#include "ui/models/metadatasavejob.h"
#include "ui/window/changedbanner.h"
#include "ui/window/errorpage.h"
#include "ui/window/loadingpage.h"
#include "ui/window/modelview.h"
#include "ui/window/recoverybanner.h"
#include "ui/window/tensorbrowser.h"

#include <QDir>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QStackedWidget>
#include <QTimer>
#include <QUndoStack>
#include <QUrl>
#include <QVBoxLayout>

#include <utility>

namespace safescope {

DocumentView::DocumentView(const QString& path, QWidget* parent)
    : QWidget(parent), m_document(new Document(path, this)), m_loader(new ModelLoader(this)),
      m_banner(new ChangedBanner(this)), m_stack(new QStackedWidget(this)), m_loadingPage(new LoadingPage),
      m_errorPage(new ErrorPage), m_modelView(new ModelView(m_document)), m_recoveryBanner(new RecoveryBanner(this))
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

    connect(m_loader, &ModelLoader::previewReady, this, &DocumentView::onPreview);
    connect(m_loader, &ModelLoader::loaded, this, &DocumentView::onLoaded);
    connect(m_loader, &ModelLoader::failed, this, &DocumentView::onFailed);
    connect(m_banner, &ChangedBanner::reloadRequested, this, &DocumentView::reload);
    connect(m_errorPage, &ErrorPage::reloadRequested, this, &DocumentView::reload);
    connect(m_errorPage, &ErrorPage::openRequested, this, &DocumentView::openRequested);
    connect(m_loadingPage, &LoadingPage::cancelRequested, m_loader, &ModelLoader::cancel);
    connect(m_modelView, &ModelView::selectionChanged, this, &DocumentView::selectionChanged);
    connect(m_recoveryBanner, &RecoveryBanner::restoreRequested, this, [this] { resolveRecovery(true); });
    connect(m_recoveryBanner, &RecoveryBanner::discardRequested, this, [this] { resolveRecovery(false); });
    connect(m_document, &Document::modifiedChanged, this, &DocumentView::modifiedChanged);
    connect(m_document, &Document::changedOnDisk, m_banner, &ChangedBanner::showFor);
    connect(m_document, &Document::saveFinished, this, &DocumentView::onSaved);
    connect(m_document, &Document::conflictDetected, this, &DocumentView::onConflict);
    MetadataPage* metadata = m_modelView->metadataPage();
    connect(metadata, &MetadataPage::saveRequested, this, &DocumentView::save);
    connect(metadata, &MetadataPage::saveAsRequested, this, &DocumentView::saveAs);
    reload();
}

DocumentView::~DocumentView() = default;

const QString& DocumentView::path() const
{
    return m_document->path();
}

QString DocumentView::displayName() const
{
    // A remote model is named by its location (URL or hf:// name): its file name alone says too little.
    if (m_document->isRemote())
        return path();
    return m_state == State::Ready && m_modelView->loaded() ? m_modelView->loaded()->model->displayName()
                                                            : QFileInfo(path()).fileName();
}

QString DocumentView::title() const
{
    return isModified() ? displayName() + u'*' : displayName();
}

QString DocumentView::summary() const
{
    if (m_state != State::Ready || !m_modelView->loaded())
        return {};
    const LoadedModel& loaded = *m_modelView->loaded();
    const Model& model = *loaded.model;
    // A quantized model's parameters are its logical weights (what the Overview and the tree count), not the
    // packed words, scales and zero points stored for them.
    QString parameters = tr("%1 parameters").arg(format::compactCount(model.totalParameters()));
    if (loaded.quant && !loaded.quant->tensors.empty())
        parameters = tr("%1 parameters (%2 stored elements)")
                         .arg(format::compactCount(loaded.quant->logicalParameters),
                              format::compactCount(loaded.quant->storedParameters));
    return tr("%1 \u00b7 %2 \u00b7 %3")
        .arg(format::counted(model.tensorCount(), u"tensor", u"tensors"), parameters,
             format::bytes(model.totalFileBytes()));
}

void DocumentView::reload()
{
    m_banner->hide();
    checkRecovery();
    m_loadingPage->setPath(path(), m_document->isRemote());
    // A reload keeps the old contents on screen until the new ones are ready; only a first open shows the busy page.
    if (m_state != State::Ready)
        m_stack->setCurrentWidget(m_loadingPage);
    setState(State::Loading);
    m_loader->load(path());
}

void DocumentView::onPreview(const std::shared_ptr<const LoadedModel>& preview)
{
    // Only in place of the busy page of a first open: a reload keeps the old model on screen until the new one is
    // whole, and pages still showing an earlier model (a reload that failed) must not sit beside another's tree.
    // The preview has no flat list and cannot be filtered, so a browser set to either waits for the whole tree.
    TensorBrowser* browser = m_modelView->browser();
    if (m_state != State::Loading || m_stack->currentWidget() != m_loadingPage || m_modelView->loaded() ||
        browser->isFlat() || !browser->filterEdit()->text().isEmpty())
        return;
    m_modelView->showPreview(preview->tree);
    m_stack->setCurrentWidget(m_modelView);
    emit previewShown();
}

void DocumentView::onLoaded(const std::shared_ptr<const LoadedModel>& loaded)
{
    m_document->setModel(loaded->model);
    m_modelView->setModel(loaded);
    QStringList notes = loaded->recoveryNotes;
    if (!m_recoveryNotice.isEmpty())
        notes.prepend(std::exchange(m_recoveryNotice, {}));
    if (!notes.isEmpty() && !m_recoveryBanner->isVisible())
        m_recoveryBanner->showNotice(notes.join(QLatin1Char('\n')));
    m_stack->setCurrentWidget(m_modelView);
    setState(State::Ready);
}

void DocumentView::onFailed(const Error& failure)
{
    // A preview shown before the failure goes: it holds the model's files open and the browser's controls off.
    if (!m_modelView->loaded() && m_modelView->browser()->showsPreview())
        m_modelView->browser()->setTree(nullptr);
    Error error = failure;
    // A remote failure is titled by what the user opened; the message still names the URL that failed (the Hub
    // API's listing, a shard).
    if (m_document->isRemote())
        error.path = path();
    // Watch the broken file too: fixing it (e.g. `git lfs pull`) then offers a reload. Not a URL (Document).
    m_document->watch({error.path.isEmpty() ? path() : error.path});
    m_errorPage->setError(error);
    m_stack->setCurrentWidget(m_errorPage);
    setState(State::Failed);
}

void DocumentView::setState(State state)
{
    m_state = state;
    emit stateChanged(state);
}

QUndoStack* DocumentView::undoStack() const
{
    return m_document->undoStack();
}

bool DocumentView::isModified() const
{
    return m_document->isModified();
}

bool DocumentView::isSaving() const
{
    return m_document->isSaving();
}

bool DocumentView::startSave(const QString& outputPath, uint64_t reserveBytes, bool forceRewrite)
{
    if (m_state != State::Ready)
        return false;
    return started(outputPath.isEmpty() ? m_document->save(Document::SaveChoice::Checked, reserveBytes, forceRewrite)
                                        : m_document->saveAs(outputPath, reserveBytes));
}

bool DocumentView::startSaveShardsAs(const QString& directory, uint64_t reserveBytes)
{
    if (m_state != State::Ready)
        return false;
    return started(m_document->saveShardsAs(directory, reserveBytes));
}

bool DocumentView::started(bool ok)
{
    if (ok && m_interactiveSave) {
        m_progress = new QProgressDialog(tr("Saving metadata\u2026"), tr("Cancel"), 0, 100, this);
        m_progress->setWindowModality(Qt::WindowModal);
        m_progress->setMinimumDuration(400);
        MetadataSaveJob* job = m_document->saveJob();
        connect(job, &MetadataSaveJob::progressChanged, m_progress, &QProgressDialog::setValue);
        connect(m_progress, &QProgressDialog::canceled, job, &MetadataSaveJob::cancel);
    }
    return ok;
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
        // A file changed between the decision and the write: the Document reports the conflict next; ask then.
        m_conflictWanted = interactive && outcome.changedOnDisk;
        // The edits stay: the user can fix the cause (permissions, space) and save again.
        if (interactive && !outcome.changedOnDisk)
            QMessageBox::warning(this, tr("Save Failed"), tr("The metadata was not saved.\n\n%1").arg(outcome.message));
        emit saveFinished(false, outcome.message);
        return;
    }
    reload();
    emit saveFinished(true, outcome.message);
}

void DocumentView::onConflict(const SaveConflict& conflict)
{
    m_banner->showFor(conflict.changedFiles.value(0));
    // Only a save the user asked for asks back; a programmatic one just fails (startSave returned false).
    if (!(m_interactiveSave || std::exchange(m_conflictWanted, false)) || m_presentingConflict)
        return;
    // Not from inside the Document's save(): it returns first, then the question is asked.
    QTimer::singleShot(0, this, [this, conflict] { resolveConflict(conflict); });
}

bool DocumentView::resolveConflict(const SaveConflict& conflict)
{
    if (isSaving() || m_presentingConflict)
        return false;
    m_presentingConflict = true;
    SaveConflictDialog dialog(conflict, m_document->editedFileName(), this);
    dialog.exec();
    m_presentingConflict = false;
    Document::SaveChoice choice = Document::SaveChoice::Reapply;
    switch (dialog.choice()) {
    case SaveConflictDialog::Choice::Cancel:
        return false;
    case SaveConflictDialog::Choice::SaveAs:
        saveAs();
        return isSaving();
    case SaveConflictDialog::Choice::Reapply:
        break;
    case SaveConflictDialog::Choice::ReapplyMine:
        choice = Document::SaveChoice::ReapplyMine;
        break;
    case SaveConflictDialog::Choice::Overwrite:
        choice = Document::SaveChoice::Overwrite;
        break;
    }
    m_interactiveSave = true;
    if (!started(m_document->save(choice, m_reserveBytes))) {
        m_interactiveSave = false;
        return false;
    }
    return true;
}

void DocumentView::save()
{
    if (m_state != State::Ready || !m_modelView->loaded() || isSaving() || !isModified())
        return;
    if (m_document->isRemote()) { // a URL is never written: the edits go to a local copy
        saveAs();
        return;
    }
    m_reserveBytes = 0;
    // Checked before the summary: a summary of the window's edits alone would hide what another program changed.
    if (const auto conflict = m_document->checkDisk()) {
        m_banner->showFor(conflict->changedFiles.value(0));
        resolveConflict(*conflict);
        return;
    }
    const MetadataModel* metadata = m_document->metadataModel();
    SaveSummaryDialog dialog(metadata->originalEntries(), metadata->headerEntries(), m_document->editedFileName(),
                             this);
    dialog.setOutcome([this](uint64_t reserve) { return m_document->describeSave(reserve, false); });
    if (const Model& model = *m_modelView->loaded()->model; model.shards().size() == 1)
        dialog.showHashEffects(model.shards().front().file->header(), false);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_reserveBytes = dialog.reserveBytes();
    m_interactiveSave = true;
    if (!startSave({}, m_reserveBytes))
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
    const QString start =
        m_document->isRemote() ? QDir::homePath() + u'/' + m_document->editedFileName() : QFileInfo(path()).path();
    const QString target = QFileDialog::getSaveFileName(this, tr("Save Checkpoint As"), start,
                                                        tr("Safetensors checkpoints (*.safetensors)"));
    if (target.isEmpty())
        return;
    const MetadataModel* metadata = m_document->metadataModel();
    SaveSummaryDialog dialog(metadata->originalEntries(), metadata->headerEntries(), QFileInfo(target).fileName(),
                             this);
    dialog.setOutcome([this](uint64_t reserve) { return m_document->describeSave(reserve, true); });
    dialog.showHashEffects(model.shards().front().file->header(), true);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_interactiveSave = true;
    if (!startSave(target, dialog.reserveBytes()))
        m_interactiveSave = false;
}

void DocumentView::saveShardsAs(const Model& model)
{
    const QString directory = QFileDialog::getExistingDirectory(
        this, tr("Save Sharded Checkpoint Into Folder"),
        m_document->isRemote() ? QDir::homePath() : QFileInfo(QFileInfo(path()).absolutePath()).path());
    if (directory.isEmpty())
        return;
    // Every shard file and the index land in the folder: say which existing files that would replace.
    QStringList names;
    const auto nameOf = [](const QString& path) {
        return isRemoteLocation(path) ? QUrl(path).fileName() : QFileInfo(path).fileName();
    };
    for (const Model::Shard& shard : model.shards())
        names.append(nameOf(shard.path));
    if (!model.indexPath().isEmpty())
        names.append(nameOf(model.indexPath()));
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
    const MetadataModel* metadata = m_document->metadataModel();
    SaveSummaryDialog dialog(
        metadata->originalEntries(), metadata->headerEntries(),
        tr("%n shard(s) in %1", nullptr, static_cast<int>(model.shards().size())).arg(QFileInfo(directory).fileName()),
        this);
    dialog.setOutcome([this](uint64_t reserve) { return m_document->describeSave(reserve, true); });
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
        this, tr("Unsaved Metadata"), tr("The metadata of \u201c%1\u201d has unsaved changes.").arg(displayName()),
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
    bool running = false;
    if (const auto conflict = m_document->checkDisk()) {
        running = resolveConflict(*conflict);
    } else {
        m_interactiveSave = true;
        running = startSave();
        if (!running)
            m_interactiveSave = false;
    }
    if (running)
        loop.exec();
    disconnect(connection);
    return saved;
}

void DocumentView::checkRecovery()
{
    const RecoveryInfo info = m_document->recovery();
    if (info.needsAttention())
        m_recoveryBanner->showFor(info);
    else
        m_recoveryBanner->hide();
}

void DocumentView::resolveRecovery(bool restore)
{
    auto done = m_document->resolveRecovery(restore);
    if (!done) {
        QMessageBox::warning(this, restore ? tr("Restore Failed") : tr("Discard Failed"), done.error().describe());
        return;
    }
    // Said once the reloaded file is on screen: exactly what was done, never "restored" when nothing was.
    m_recoveryNotice = *done;
    reload();
}

} // namespace safescope
