#include "core/edit/remoteshardsaveas.h"

#include "core/edit/remotesaveas.h"
#include "core/format/model.h"
#include "core/io/atomicfilewriter.h"
#include "core/platform/filesystem.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUrl>

namespace safescope {

namespace {

// A shard's name as the index names it: its URL path relative to the index's folder (a plain file name for the
// usual flat repo); without an index, a diffusers component's files go into the component's folder, as a local
// Save As puts them. Anything that would climb out of the folder is reduced to the file name.
QString relativeShardName(const Model& model, const Model::Shard& shard)
{
    const QString shardPath = QUrl(shard.path).path();
    const QString fileName = shardPath.mid(shardPath.lastIndexOf(QLatin1Char('/')) + 1);
    if (model.indexPath().isEmpty())
        return shard.component.isEmpty() || shard.component.contains(QLatin1String(".."))
                   ? fileName
                   : shard.component + QLatin1Char('/') + fileName;
    const QString indexPath = QUrl(model.indexPath()).path();
    const QString folder = indexPath.left(indexPath.lastIndexOf(QLatin1Char('/')) + 1);
    if (folder.isEmpty() || !shardPath.startsWith(folder))
        return fileName;
    const QString relative = shardPath.mid(folder.size());
    if (relative.isEmpty() || QDir::cleanPath(relative).startsWith(QLatin1String("..")))
        return fileName;
    return QDir::cleanPath(relative);
}

QString indexFileName(const Model& model)
{
    const QString path = QUrl(model.indexPath()).path();
    return path.mid(path.lastIndexOf(QLatin1Char('/')) + 1);
}

// The index as the server sent it, under a temporary name: renamed with the shards or removed with them.
Result<std::unique_ptr<AtomicFileWriter>> draftIndex(const QByteArray& bytes, const QString& target,
                                                     const MetadataSaveOptions& options)
{
    auto writer = AtomicFileWriter::create(target, platform::defaultFilePermissions(), &options.hooks);
    if (!writer)
        return writer.error();
    AtomicFileWriter& out = **writer;
    if (Status written = out.file().writeAt(bytes.constData(), static_cast<uint64_t>(bytes.size()), 0); !written)
        return written.error();
    if (Status finished = out.finish(); !finished)
        return finished.error();
    QFile check(out.tempPath());
    if (!check.open(QIODevice::ReadOnly) || check.readAll() != bytes)
        return makeError(ErrorKind::IoError, QStringLiteral("the saved index does not match its source"), target);
    return std::move(*writer);
}

} // namespace

Result<std::vector<MetadataSaveResult>> saveRemoteShardsAs(const Model& model, const MetadataEdit& edit,
                                                           const QString& directory, const QByteArray& indexJson,
                                                           std::optional<size_t> onlyShard,
                                                           const MetadataSaveOptions& options)
{
    if (onlyShard && *onlyShard >= model.shards().size())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("there is no shard %1").arg(*onlyShard + 1),
                         model.path());
    const QDir target(directory);
    uint64_t totalBytes = 0;
    QStringList targets;
    for (const Model::Shard& shard : model.shards()) {
        totalBytes += shard.file->header().dataStart + shard.file->header().dataSize();
        const QString path = target.absoluteFilePath(relativeShardName(model, shard));
        // Two shards under one name would leave only the last: refused before anything is written.
        if (targets.contains(path))
            return makeError(
                ErrorKind::InvalidArgument,
                QStringLiteral("two shards of the model would be saved as '%1'").arg(QDir::toNativeSeparators(path)),
                path);
        targets << path;
    }

    // Phase one: every shard complete, synced and checked under a temporary name. A failure returns here, and the
    // drafts' destructors remove every temporary file written so far.
    // Each draft's writer keeps a pointer to its options' hooks until it is renamed or dropped: the options live
    // here, declared before the drafts so they are destroyed after them.
    std::vector<MetadataSaveOptions> shardOptions(model.shards().size(), options);
    std::vector<RemoteSaveDraft> drafts;
    uint64_t doneBytes = 0;
    for (size_t i = 0; i < model.shards().size(); ++i) {
        const Model::Shard& shard = model.shards()[i];
        const QString& path = targets[static_cast<qsizetype>(i)];
        if (!QDir().mkpath(QFileInfo(path).absolutePath()))
            return makeError(ErrorKind::IoError, QStringLiteral("cannot create the folder"),
                             QFileInfo(path).absolutePath());
        const uint64_t shardBytes = shard.file->header().dataStart + shard.file->header().dataSize();
        if (options.progress && totalBytes > 0) {
            shardOptions[i].progress = [&options, doneBytes, shardBytes, totalBytes](double fraction) {
                options.progress((static_cast<double>(doneBytes) + fraction * static_cast<double>(shardBytes)) /
                                 static_cast<double>(totalBytes));
            };
        }
        // As saveShardsAs: the shards the edit is not for keep their own metadata (an empty edit keeps it).
        const bool edited = !onlyShard || *onlyShard == i;
        auto draft = draftRemoteFileAs(*shard.file, edited ? edit : MetadataEdit{}, path, shardOptions[i]);
        if (!draft) {
            Error error = draft.error();
            error.message += QStringLiteral(" (nothing was written to %1)").arg(QDir::toNativeSeparators(directory));
            return error;
        }
        doneBytes += shardBytes;
        drafts.push_back(std::move(*draft));
    }
    std::unique_ptr<AtomicFileWriter> index;
    if (!model.indexPath().isEmpty()) {
        auto drafted = draftIndex(indexJson, target.absoluteFilePath(indexFileName(model)), options);
        if (!drafted)
            return drafted.error();
        index = std::move(*drafted);
    }

    // Phase two: the renames. One that fails takes the files already renamed away again, so the folder never holds
    // part of the model.
    std::vector<MetadataSaveResult> results;
    const auto undo = [&results] {
        for (const MetadataSaveResult& done : results)
            QFile::remove(done.path);
    };
    for (RemoteSaveDraft& draft : drafts) {
        auto committed = commitRemoteSave(draft);
        if (!committed) {
            undo();
            return committed.error();
        }
        results.push_back(std::move(*committed));
    }
    if (index) {
        if (Status committed = index->commit(); !committed) {
            undo();
            return committed.error();
        }
    }
    if (options.progress)
        options.progress(1.0);
    return results;
}

} // namespace safescope
