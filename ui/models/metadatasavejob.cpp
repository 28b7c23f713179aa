#include "ui/models/metadatasavejob.h"

#include "core/edit/metadataedit.h"
#include "core/edit/metadatarules.h"
#include "core/edit/metadatasaver.h"
#include "core/edit/remotesaveas.h"
#include "core/edit/remoteshardsaveas.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/remote/remotetextfile.h"
#include "core/text/format.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QPointer>
#include <QUrl>
#include <QtConcurrent>

#include <algorithm>

namespace safescope {

namespace {

QString describe(const MetadataSaveResult& result, qint64 ms)
{
    if (result.method == SaveMethod::InPlace)
        return MetadataSaveJob::tr("Saved in place in %1 ms").arg(ms);
    return MetadataSaveJob::tr("Rewrote %1 in %2 ms").arg(format::bytes(result.bytesWritten)).arg(ms);
}

// A file that changed since the save decision is the user's to decide about again, not a plain failure.
MetadataSaveOutcome failed(const Error& error)
{
    MetadataSaveOutcome outcome{false, error.describe(), {}};
    outcome.changedOnDisk = error.kind == ErrorKind::FileChanged;
    return outcome;
}

} // namespace

// Keys left alone keep every shard's own value, including the "All shards" rows that show a summary where the
// shards disagree (ShardMetadataUnion): the summary text is never written.
MetadataEdit MetadataSaveJob::editBetween(const std::vector<MetadataEntry>& before,
                                          const std::vector<MetadataEntry>& after)
{
    const MetadataChanges changes = compareMetadata(before, after);
    MetadataEdit edit;
    edit.unset = changes.removed;
    for (const MetadataEntry& entry : after) {
        if (std::find(changes.added.begin(), changes.added.end(), entry.key) != changes.added.end() ||
            std::find(changes.changed.begin(), changes.changed.end(), entry.key) != changes.changed.end())
            edit.set.push_back(entry);
    }
    return edit;
}

MetadataSaveJob::MetadataSaveJob(QObject* parent)
    : QObject(parent), m_cancel(std::make_shared<std::atomic_bool>(false)),
      m_watcher(new QFutureWatcher<MetadataSaveOutcome>(this))
{
    connect(m_watcher, &QFutureWatcher<MetadataSaveOutcome>::finished, this,
            [this] { emit finished(m_watcher->result()); });
}

MetadataSaveJob::~MetadataSaveJob()
{
    m_watcher->waitForFinished();
}

bool MetadataSaveJob::isRunning() const
{
    return m_watcher->isRunning();
}

bool MetadataSaveJob::start(MetadataSaveRequest request)
{
    if (isRunning())
        return false;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    QPointer<MetadataSaveJob> self(this);
    const auto progress = [self](double fraction) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, fraction] {
                if (self)
                    emit self->progressChanged(static_cast<int>(fraction * 100.0));
            },
            Qt::QueuedConnection);
    };
    m_watcher->setFuture(QtConcurrent::run(
        [request = std::move(request), cancel = m_cancel, progress] { return run(request, *cancel, progress); }));
    return true;
}

MetadataSaveOutcome MetadataSaveJob::run(const MetadataSaveRequest& request, const std::atomic_bool& cancel,
                                         const std::function<void(double)>& progress)
{
    MetadataSaveOptions options;
    options.reserveBytes = request.reserveBytes;
    options.forceRewrite = request.forceRewrite;
    options.outputPath = request.outputPath;
    options.progress = progress;
    options.cancel = &cancel;
    options.expected = request.expected;
    options.expectedShards = request.expectedShards;
    QElapsedTimer timer;
    timer.start();
    const Model& model = *request.model;
    const QString modelPath = model.indexPath().isEmpty() ? model.path() : model.indexPath();
    if (request.shard >= static_cast<int>(model.shards().size()))
        return {false, tr("The model has no shard %1.").arg(request.shard + 1), {}};
    const bool remote = model.shards().front().file->byteSource() != nullptr;
    if (remote && model.shards().size() != 1 && !request.outputDirectory.isEmpty())
        return saveCopy(request, options, timer);
    if (remote) {
        // A remote model: only ever a local copy, its data streamed from the server (Save As; a folder when sharded).
        if (request.outputPath.isEmpty() || model.shards().size() != 1)
            return {false,
                    tr("A remote model is saved as local files only: use Save As (a folder for a sharded model)."),
                    {}};
        MetadataEdit edit;
        edit.clear = true;
        edit.set = request.after;
        auto result = saveRemoteFileAs(*model.shards().front().file, edit, request.outputPath, options);
        if (!result)
            return failed(result.error());
        MetadataSaveOutcome outcome{true, describe(*result, timer.elapsed()), result->path};
        outcome.newLocation = true; // the document now is the local copy
        return outcome;
    }
    if (!request.outputDirectory.isEmpty())
        return saveCopy(request, options, timer);
    if (model.shards().size() == 1 || request.shard >= 0) {
        std::optional<std::vector<MetadataEntry>> metadata;
        if (!request.after.empty())
            metadata = request.after;
        const size_t shard = request.shard < 0 ? 0 : static_cast<size_t>(request.shard);
        auto result = saveMetadata(model.shards()[shard].path, metadata, options);
        if (!result)
            return failed(result.error());
        if (model.shards().size() == 1)
            return {true, describe(*result, timer.elapsed()), result->path};
        return {true, tr("%1: %2").arg(QFileInfo(result->path).fileName(), describe(*result, timer.elapsed())),
                modelPath};
    }
    auto results = saveMetadataEditAllShards(model, editBetween(request.before, request.after), options);
    if (!results)
        return failed(results.error());
    uint64_t rewritten = 0;
    int inPlace = 0;
    for (const MetadataSaveResult& result : *results) {
        if (result.method == SaveMethod::InPlace)
            ++inPlace;
        else
            rewritten += result.bytesWritten;
    }
    const qint64 ms = timer.elapsed();
    const auto shards = static_cast<qsizetype>(results->size());
    QString message = inPlace == shards ? tr("Saved %1 shards in place in %2 ms").arg(shards).arg(ms)
                                        : tr("Saved %1 shards (%2 in place, rewrote %3) in %4 ms")
                                              .arg(shards)
                                              .arg(inPlace)
                                              .arg(format::bytes(rewritten))
                                              .arg(ms);
    return {true, message, model.indexPath().isEmpty() ? model.shards().front().path : model.indexPath()};
}

MetadataSaveOutcome MetadataSaveJob::saveCopy(const MetadataSaveRequest& request, const MetadataSaveOptions& options,
                                              const QElapsedTimer& timer)
{
    const Model& model = *request.model;
    std::optional<size_t> only;
    if (request.shard >= 0)
        only = static_cast<size_t>(request.shard);
    const MetadataEdit edit = editBetween(request.before, request.after);
    Result<std::vector<MetadataSaveResult>> results = std::vector<MetadataSaveResult>{};
    if (model.shards().front().file->byteSource()) {
        // Remote: the index as the server has it, then every shard drafted before any is renamed (all or none).
        QByteArray index;
        if (!model.indexPath().isEmpty()) {
            auto fetched = fetchRemoteTextFile(model.indexPath(), options.cancel);
            if (!fetched)
                return failed(fetched.error());
            index = std::move(*fetched);
        }
        results = saveRemoteShardsAs(model, edit, request.outputDirectory, index, only, options);
    } else {
        results = saveShardsAs(model, edit, request.outputDirectory, only, options);
    }
    if (!results)
        return {false, results.error().describe(), {}};
    uint64_t written = 0;
    for (const MetadataSaveResult& result : *results)
        written += result.bytesWritten;
    const QDir directory(request.outputDirectory);
    const QString path = model.indexPath().isEmpty()
                             ? directory.absolutePath()
                             : directory.absoluteFilePath(model.shards().front().file->byteSource()
                                                              ? QUrl(model.indexPath()).fileName()
                                                              : QFileInfo(model.indexPath()).fileName());
    MetadataSaveOutcome outcome{true,
                                tr("Wrote %1 shards (%2) to %3 in %4 ms")
                                    .arg(results->size())
                                    .arg(format::bytes(written), QDir::toNativeSeparators(directory.absolutePath()))
                                    .arg(timer.elapsed()),
                                path};
    outcome.newLocation = true;
    return outcome;
}

} // namespace safescope
