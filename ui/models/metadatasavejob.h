#pragma once

#include "core/io/fileidentity.h"
#include "core/format/header.h"
#include "core/edit/metadataedit.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QElapsedTimer;
template <typename T> class QFutureWatcher;

namespace safescope {

class Model;
struct MetadataSaveOptions;

/// What to save: the metadata before and after editing, for the file, one shard or every shard of `model`.
struct MetadataSaveRequest
{
    std::shared_ptr<const Model> model;
    std::vector<MetadataEntry> before;
    std::vector<MetadataEntry> after;
    QString outputPath; ///< Save As (single files only); empty saves over the original
    /// Sharded Save As: every shard (the edit applied as `shard` says) and the index are written into this folder.
    QString outputDirectory;
    int shard = -1; ///< edit only this shard (index into model->shards(); `before` is its metadata); -1: every shard
    uint64_t reserveBytes = 0; ///< header padding for later in-place edits (used when rewriting)
    bool forceRewrite = false;
    /// The file (one file or `shard`) as the save decision last saw it; core refuses under its save lock, with
    /// FileChanged, when the file on disk differs (the outcome then says changedOnDisk and nothing is written).
    std::optional<FileIdentity> expected;
    /// "All shards": one identity per shard, in Model::shards() order; all are checked before any is written.
    std::vector<FileIdentity> expectedShards;
};

/// How a save ended, in words for the user.
struct MetadataSaveOutcome
{
    bool ok = false;
    QString message;            ///< "Saved in place in 3 ms", or the reason it failed (names the file)
    QString path;               ///< the file written (Save As: the new file; sharded Save As: the new index or folder)
    bool newLocation = false;   ///< Save As: the document now lives at `path`
    bool changedOnDisk = false; ///< refused: a file changed since the save decision; nothing was written
};

/// Runs a metadata save (core saveMetadata / saveMetadataEditAllShards / saveShardsAs) on the thread pool, reporting
/// progress; the result arrives on the GUI thread.
class MetadataSaveJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetadataSaveJob)

public:
    explicit MetadataSaveJob(QObject* parent = nullptr);
    /// Waits for a running save: it must not outlive the data it writes from.
    ~MetadataSaveJob() override;

    /// Starts the save; false (and nothing started) while another is running.
    bool start(MetadataSaveRequest request);
    bool isRunning() const;
    void cancel() { m_cancel->store(true); }

    /// The edit as operations: only the keys added, changed or removed between `before` and `after`.
    static MetadataEdit editBetween(const std::vector<MetadataEntry>& before, const std::vector<MetadataEntry>& after);

    /// Runs the save on the calling thread.
    static MetadataSaveOutcome run(const MetadataSaveRequest& request, const std::atomic_bool& cancel,
                                   const std::function<void(double)>& progress);

signals:
    void progressChanged(int percent);
    void finished(const safescope::MetadataSaveOutcome& outcome);

private:
    static MetadataSaveOutcome saveCopy(const MetadataSaveRequest& request, const MetadataSaveOptions& options,
                                        const QElapsedTimer& timer);

    std::shared_ptr<std::atomic_bool> m_cancel;
    QFutureWatcher<MetadataSaveOutcome>* m_watcher;
};

} // namespace safescope
