#include "ui/models/document.h"

#include "core/edit/headertext.h"
#include "core/edit/saveplan.h"
#include "core/format/model.h"
#include "core/remote/location.h"
#include "core/text/textutil.h"
#include "ui/models/metadatamodel.h"
#include "ui/models/metadatasavejob.h"

#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QUndoStack>
#include <QUrl>

#include <algorithm>
#include <utility>

namespace safescope {

namespace {

// "Reapply" without the user's confirmation: each conflicting key goes back to how it was read, so the edit leaves
// it alone and every shard keeps the disk's value.
void revertKeys(std::vector<MetadataEntry>& after, const std::vector<MetadataEntry>& before,
                const std::vector<MetadataConflict>& conflicts)
{
    for (const MetadataConflict& conflict : conflicts) {
        const auto same = [&](const MetadataEntry& entry) { return entry.key == conflict.key; };
        const auto original = std::find_if(before.begin(), before.end(), same);
        const auto edited = std::find_if(after.begin(), after.end(), same);
        if (original == before.end()) {
            if (edited != after.end())
                after.erase(edited);
        } else if (edited != after.end()) {
            edited->value = original->value;
        } else {
            after.push_back(*original);
        }
    }
}

} // namespace

Document::Document(const QString& path, QObject* parent)
    : QObject(parent), m_path(absoluteLocation(path)), m_remote(isRemoteLocation(path)),
      m_metadata(new MetadataModel(this)), m_watcher(new QFileSystemWatcher(this)), m_saveJob(new MetadataSaveJob(this))
{
    connect(m_metadata, &MetadataModel::modifiedChanged, this, &Document::modifiedChanged);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &Document::onFileChanged);
    connect(m_saveJob, &MetadataSaveJob::finished, this, &Document::onSaved);
}

Document::~Document() = default;

QUndoStack* Document::undoStack() const
{
    return m_metadata->undoStack();
}

bool Document::isModified() const
{
    return m_metadata->isModified();
}

bool Document::isSingleFile() const
{
    return !m_model || m_model->shards().size() == 1;
}

void Document::setModel(std::shared_ptr<const Model> model)
{
    // After a save the same shards come back: keep editing the shard the user had chosen.
    const QString previousShard =
        m_scope >= 0 && m_model ? m_model->shards()[static_cast<size_t>(m_scope)].path : QString();
    m_model = std::move(model);
    QStringList files;
    m_scope = -1;
    for (size_t i = 0; i < m_model->shards().size(); ++i) {
        const QString& shard = m_model->shards()[i].path;
        files.append(shard);
        if (!isSingleFile() && shard == previousShard)
            m_scope = static_cast<int>(i);
    }
    if (!m_model->indexPath().isEmpty())
        files.append(m_model->indexPath());
    m_changedOnDisk = false;
    watch(files);
    applyScope();
    emit modelChanged();
    emit scopeChanged();
}

void Document::applyScope()
{
    const bool allShards = m_scope < 0 && !isSingleFile();
    m_union = allShards ? ShardMetadataUnion(*m_model) : ShardMetadataUnion();
    if (allShards)
        m_metadata->setMetadata(m_union.editorEntries(), m_model->indexMetadata());
    else
        m_metadata->setMetadata(m_model->shards()[static_cast<size_t>(std::max(m_scope, 0))].file->header().metadata,
                                m_model->indexMetadata());
}

bool Document::setShardScope(int shard)
{
    if (!m_model || isModified() || shard < -1 || shard >= static_cast<int>(m_model->shards().size()) ||
        (isSingleFile() && shard != -1))
        return false;
    m_scope = shard;
    applyScope();
    emit scopeChanged();
    return true;
}

QString Document::editedFileName() const
{
    const auto nameOf = [this](const QString& path) {
        return m_remote ? QUrl(path).fileName() : QFileInfo(path).fileName();
    };
    if (m_scope >= 0 && m_model)
        return nameOf(m_model->shards()[static_cast<size_t>(m_scope)].path);
    return nameOf(m_path);
}

void Document::watch(const QStringList& paths)
{
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    if (m_remote)
        return; // URLs are not files: nothing to watch
    QStringList existing;
    for (const QString& path : paths) {
        if (QFileInfo(path).isFile())
            existing.append(path);
    }
    if (!existing.isEmpty())
        m_watcher->addPaths(existing);
}

void Document::onFileChanged(const QString& path)
{
    // Editors that save by rename drop the watch; keep following the path.
    if (QFileInfo::exists(path) && !m_watcher->files().contains(path))
        m_watcher->addPath(path);
    if (isSaving() || !m_ignoreChanges.hasExpired() || !m_model)
        return;
    m_changedOnDisk = true;
    emit changedOnDisk(path);
}

std::vector<MetadataEntry> Document::mineFor(const std::vector<MetadataEntry>& base) const
{
    if (isSingleFile() || m_scope >= 0)
        return m_metadata->headerEntries();
    // "All shards": the edit's operations land on each shard's own metadata.
    return MetadataSaveJob::editBetween(m_metadata->originalEntries(), m_metadata->headerEntries())
        .apply(base)
        .value_or(std::vector<MetadataEntry>{});
}

std::vector<SaveTarget> Document::saveTargets() const
{
    std::vector<SaveTarget> targets;
    if (!m_model || m_remote) // a remote model is never saved over: only Save As writes, to a local file
        return targets;
    for (size_t i = 0; i < m_model->shards().size(); ++i) {
        if (m_scope >= 0 && static_cast<size_t>(m_scope) != i)
            continue;
        const Model::Shard& shard = m_model->shards()[i];
        const std::vector<MetadataEntry>& base = shard.file->header().metadata;
        targets.push_back({shard.path, shard.file->identity(), base, mineFor(base)});
    }
    return targets;
}

QString Document::describeSave(uint64_t reserveBytes, bool toNewFile) const
{
    if (!m_model)
        return {};
    const MetadataEdit edit = MetadataSaveJob::editBetween(m_metadata->originalEntries(), m_metadata->headerEntries());
    std::vector<SavePlan> plans;
    for (size_t i = 0; i < m_model->shards().size(); ++i) {
        if (m_scope >= 0 && static_cast<size_t>(m_scope) != i)
            continue;
        const Header& header = m_model->shards()[i].file->header();
        const std::string text = headerTextKeepingLayout(header, edit.apply(header.metadata));
        plans.push_back(planHeaderSave(header, text.size(), !toNewFile, reserveBytes));
    }
    if (plans.size() == 1)
        return plans.front().describe();
    uint64_t before = 0;
    uint64_t after = 0;
    int inPlace = 0;
    for (const SavePlan& plan : plans) {
        before += plan.oldFileSize;
        after += plan.newFileSize;
        inPlace += plan.method == SaveMethod::InPlace ? 1 : 0;
    }
    const int count = static_cast<int>(plans.size());
    return tr("%n shard(s): %1 in place, %2 rewritten; together %3 -> %4 bytes", nullptr, count)
        .arg(inPlace)
        .arg(count - inPlace)
        .arg(QString::fromStdString(groupDigits(before)), QString::fromStdString(groupDigits(after)));
}

std::optional<SaveConflict> Document::checkDisk() const
{
    if (m_remote)
        return std::nullopt;
    DiskState state;
    auto conflict = findSaveConflict(saveTargets(), state);
    if (conflict)
        conflict->canOverwrite = isSingleFile() || m_scope >= 0;
    return conflict;
}

bool Document::save(SaveChoice choice, uint64_t reserveBytes, bool forceRewrite)
{
    if (!m_model || isSaving())
        return false;
    const std::vector<SaveTarget> targets = saveTargets();
    if (targets.empty())
        return false;
    DiskState state;
    std::optional<SaveConflict> conflict = findSaveConflict(targets, state);
    MetadataSaveRequest request = editRequest(reserveBytes);
    request.forceRewrite = forceRewrite;
    if (conflict) {
        m_changedOnDisk = true;
        conflict->canOverwrite = isSingleFile() || m_scope >= 0;
        const bool allowed = choice == SaveChoice::Overwrite ? conflict->canOverwrite
                                                             : choice != SaveChoice::Checked && conflict->canReapply;
        if (!allowed) {
            emit conflictDetected(*conflict);
            return false;
        }
        const MergePolicy policy = choice == SaveChoice::ReapplyMine ? MergePolicy::TakeMine : MergePolicy::KeepTheirs;
        if (choice != SaveChoice::Overwrite) {
            if (targets.size() == 1 && (isSingleFile() || m_scope >= 0))
                request.after = mergeMetadata(targets[0].base, targets[0].mine, state.metadata[0], policy).merged;
            else if (policy == MergePolicy::KeepTheirs)
                revertKeys(request.after, request.before, conflict->conflicts);
            // "All shards" with the user's confirmation: the edit's operations apply on top of each shard's
            // metadata as it is now, which is the merge with the user's value winning.
        }
    }
    if (isSingleFile() || m_scope >= 0)
        request.expected = state.identities.front();
    else
        request.expectedShards = state.identities;
    return startRequest(std::move(request));
}

bool Document::saveAs(const QString& outputPath, uint64_t reserveBytes)
{
    if (!m_model || isSaving() || outputPath.isEmpty())
        return false;
    MetadataSaveRequest request = editRequest(reserveBytes);
    request.outputPath = outputPath;
    return startRequest(std::move(request));
}

bool Document::saveShardsAs(const QString& directory, uint64_t reserveBytes)
{
    if (!m_model || isSaving() || directory.isEmpty())
        return false;
    MetadataSaveRequest request = editRequest(reserveBytes);
    request.outputDirectory = directory;
    return startRequest(std::move(request));
}

// The edit as it stands, for any kind of save: the pages' metadata before and after, the shard scope, the reserve.
MetadataSaveRequest Document::editRequest(uint64_t reserveBytes) const
{
    MetadataSaveRequest request;
    request.model = m_model;
    request.before = m_metadata->originalEntries();
    request.after = m_metadata->headerEntries();
    request.shard = m_scope;
    request.reserveBytes = reserveBytes;
    return request;
}

bool Document::startRequest(MetadataSaveRequest request)
{
    return m_saveJob->start(std::move(request));
}

bool Document::isSaving() const
{
    return m_saveJob->isRunning();
}

void Document::onSaved(const MetadataSaveOutcome& outcome)
{
    if (outcome.ok) {
        m_ignoreChanges = QDeadlineTimer(2000);
        // A sharded save in place keeps the folder the user opened; any Save As moves the document to the copy.
        if (!outcome.path.isEmpty() && (outcome.newLocation || m_remote || QFileInfo(m_path).isFile())) {
            m_path = QFileInfo(outcome.path).absoluteFilePath();
            m_remote = false; // the tab now shows the local copy
        }
    }
    emit saveFinished(outcome);
    if (outcome.changedOnDisk) {
        // The files changed between the decision and the write: decide again against what is there now.
        m_changedOnDisk = true;
        if (auto conflict = checkDisk())
            emit conflictDetected(*conflict);
    }
}

RecoveryInfo Document::recovery() const
{
    if (m_remote || !QFileInfo(m_path).isFile() || !m_path.endsWith(QLatin1StringView(".safetensors")))
        return {};
    return inspectRecovery(m_path);
}

Result<QString> Document::resolveRecovery(bool restore)
{
    auto done = safescope::resolveRecovery(m_path, restore ? RecoveryAction::Restore : RecoveryAction::Discard);
    if (done)
        m_ignoreChanges = QDeadlineTimer(2000);
    return done;
}

} // namespace safescope
