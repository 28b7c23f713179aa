#pragma once

#include "core/edit/recoveryrecord.h"
#include "core/format/error.h"
#include "ui/models/saveconflict.h"
#include "ui/models/shardmetadataunion.h"

#include <QDeadlineTimer>
#include <QObject>

#include <memory>
#include <optional>
#include <vector>

class QFileSystemWatcher;
class QUndoStack;

namespace safescope {

class MetadataModel;
class MetadataSaveJob;
class Model;
struct MetadataSaveOutcome;
struct MetadataSaveRequest;

/// An opened checkpoint and everything about editing it, without widgets: the loaded model, the metadata being
/// edited (MetadataModel and its undo stack) in a shard scope, the identity of each file as it was read, the watch
/// on those files, the recovery state and the save job. Save decisions are made here: a save over files that
/// changed since they were read is never started without the user's choice (conflictDetected, then save() with
/// Reapply, Overwrite, or saveAs()). Pages observe a Document; none reaches through another page.
class Document final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Document)

public:
    /// How a save treats files that changed on disk since they were read.
    enum class SaveChoice : uint8_t
    {
        Checked,     ///< save only when nothing changed; otherwise report conflictDetected and write nothing
        Reapply,     ///< merge the edits over the disk's metadata; conflicting keys keep the disk's value
        ReapplyMine, ///< as Reapply, but the user confirmed: their value wins each conflicting key
        Overwrite    ///< the user's full metadata replaces the disk's (one file or one shard only)
    };

    explicit Document(const QString& path, QObject* parent = nullptr);
    ~Document() override;

    /// What the user opened (a file, an index, a folder, or a remote location); moves with Save As.
    const QString& path() const { return m_path; }
    /// An http(s):// or hf:// location: never written, watched or checked on disk (Save As writes a local copy).
    bool isRemote() const { return m_remote; }
    /// A freshly loaded (or reloaded) model: resets the edits and watches the files. A save expects each shard to
    /// be as its header was read (SafetensorsFile::identity()), so a change made since is never overwritten.
    void setModel(std::shared_ptr<const Model> model);
    const std::shared_ptr<const Model>& model() const { return m_model; }
    /// Watches `paths` instead (e.g. a file that failed to open, so fixing it offers a reload).
    void watch(const QStringList& paths);

    MetadataModel* metadataModel() const { return m_metadata; }
    QUndoStack* undoStack() const;
    bool isModified() const;
    /// The shard being edited (index into Model::shards()), or -1 for the only file / every shard at once.
    int shardScope() const { return m_scope; }
    /// Shows and edits one shard (or -1: all); refused (false) while there are unsaved edits or out of range.
    bool setShardScope(int shard);
    bool isSingleFile() const;
    /// Every shard's metadata, while the scope is "All shards" of a sharded model; empty otherwise.
    const ShardMetadataUnion& shardUnion() const { return m_union; }
    /// The name of the file a save writes ("model.safetensors", or the shard's).
    QString editedFileName() const;
    /// What saving the edits would do to the files in scope: in place or rewritten, and their sizes (SavePlan), in
    /// one line for the save summary. `toNewFile`: Save As, always a rewrite.
    QString describeSave(uint64_t reserveBytes, bool toNewFile) const;

    /// Whether a watched file changed since it was read (the watcher saw it, or a save found it).
    bool isChangedOnDisk() const { return m_changedOnDisk; }
    /// The files a save in the current scope would overwrite, with the identity each was read with.
    std::vector<SaveTarget> saveTargets() const;
    /// Compares the files with how they were read, now; nullopt when none changed.
    std::optional<SaveConflict> checkDisk() const;

    /// Starts a save over the original(s); false when nothing was started (no model, already saving, or, for
    /// Checked, a file changed: conflictDetected has been emitted then and nothing was written).
    bool save(SaveChoice choice = SaveChoice::Checked, uint64_t reserveBytes = 0, bool forceRewrite = false);
    /// Save As to a new single file: always allowed, the original is not written.
    bool saveAs(const QString& outputPath, uint64_t reserveBytes = 0);
    /// Save As of a sharded model into `directory`.
    bool saveShardsAs(const QString& directory, uint64_t reserveBytes = 0);
    bool isSaving() const;
    MetadataSaveJob* saveJob() const { return m_saveJob; }

    /// The recovery record or temp files beside a single file, as found now.
    RecoveryInfo recovery() const;
    /// Restores or discards; on success the sentence saying exactly what was done.
    Result<QString> resolveRecovery(bool restore);

signals:
    void modelChanged();
    void scopeChanged();
    void modifiedChanged(bool modified);
    /// A watched file changed on disk and it was not our own save.
    void changedOnDisk(const QString& path);
    /// A save found files changed since they were read; nothing was written. Answer with save(Reapply /
    /// ReapplyMine / Overwrite) or saveAs().
    void conflictDetected(const safescope::SaveConflict& conflict);
    void saveFinished(const safescope::MetadataSaveOutcome& outcome);

private:
    void applyScope();
    void onFileChanged(const QString& path);
    void onSaved(const MetadataSaveOutcome& outcome);
    MetadataSaveRequest editRequest(uint64_t reserveBytes) const;
    bool startRequest(MetadataSaveRequest request);
    std::vector<MetadataEntry> mineFor(const std::vector<MetadataEntry>& base) const;

    QString m_path;
    bool m_remote = false;
    std::shared_ptr<const Model> m_model;
    MetadataModel* m_metadata;
    QFileSystemWatcher* m_watcher;
    MetadataSaveJob* m_saveJob;
    int m_scope = -1;
    ShardMetadataUnion m_union;
    bool m_changedOnDisk = false;
    // Our own save changes the files: the watcher must not call that a change on disk.
    QDeadlineTimer m_ignoreChanges;
};

} // namespace safescope
