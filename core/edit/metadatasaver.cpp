#include "core/edit/metadatasaver.h"

#include "core/edit/headertext.h"
#include "core/edit/inplaceheaderwrite.h"
#include "core/edit/metadatarules.h"
#include "core/edit/preparedrewrite.h"
#include "core/edit/savelock.h"
#include "core/edit/savetarget.h"
#include "core/edit/shardtransaction.h"
#include "core/format/headerparser.h"
#include "core/format/model.h"
#include "core/io/atomicfilewriter.h"
#include "core/io/blockcopy.h"
#include "core/io/localpath.h"
#include "core/io/pagephase.h"
#include "core/text/textutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>
#include <QtEndian>

#include <functional>
#include <optional>

namespace safescope {

namespace {

// What to save, given the header as it is on disk when the save starts.
using MetadataFor = std::function<std::optional<std::vector<MetadataEntry>>(const Header&)>;

Error withPath(Error error, const QString& path)
{
    if (error.path.isEmpty())
        error.path = path;
    return error;
}

Result<std::shared_ptr<const HeaderSnapshot>> reopen(const QString& path)
{
    auto snapshot = HeaderSnapshot::reopen(path);
    if (!snapshot) {
        Error error = snapshot.error();
        error.message = QStringLiteral("the saved file does not validate: ") + error.message;
        return error;
    }
    return std::make_shared<const HeaderSnapshot>(std::move(*snapshot));
}

// Where a shard of `model` goes under a Save As folder: its path relative to the model's own folder (diffusers
// components keep their subfolder), or its file name when it lies outside that folder.
QString relativeShardPath(const Model& model, const QString& shardPath)
{
    QString base;
    if (!model.indexPath().isEmpty())
        base = QFileInfo(model.indexPath()).absolutePath();
    else if (QFileInfo(model.path()).isDir())
        base = model.path();
    const QString relative = base.isEmpty() ? QString() : QDir(base).relativeFilePath(shardPath);
    if (relative.isEmpty() || relative.startsWith(QLatin1StringView("..")) || QDir::isAbsolutePath(relative))
        return QFileInfo(shardPath).fileName();
    return relative;
}

Status copyIndex(const QString& source, const QString& target)
{
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::IoError, QStringLiteral("cannot read the index: %1").arg(in.errorString()), source);
    const QByteArray bytes = in.readAll();
    // QSaveFile: a half-written index must never sit beside complete shards.
    QSaveFile out(target);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit())
        return makeError(ErrorKind::IoError, QStringLiteral("cannot write the index: %1").arg(out.errorString()),
                         target);
    return Ok{};
}

Result<MetadataSaveResult> saveInPlace(SystemFile& file, const HeaderSnapshot& loaded, const std::string& text,
                                       const MetadataSaveOptions& options)
{
    const uint64_t n = loaded.header().headerLength;
    auto saved = writeHeaderInPlace(file, loaded, headerBlock(text, n), options.hooks);
    if (!saved)
        return saved.error();
    if (Status closed = file.close(); !closed)
        return closed.error();
    if (options.progress)
        options.progress(1.0);
    return MetadataSaveResult{
        SaveMethod::InPlace, file.path(), n, n, 8 + n, std::make_shared<const HeaderSnapshot>(std::move(*saved))};
}

Result<MetadataSaveResult> rewrite(const SystemFile& source, const HeaderSnapshot& snapshot, const std::string& text,
                                   const MetadataSaveOptions& options)
{
    const QString target = options.outputPath.isEmpty() ? source.path() : options.outputPath;
    auto prepared = prepareRewrite(source, snapshot, text, options, target);
    if (!prepared)
        return prepared.error();
    if (Status committed = prepared->writer->commit(); !committed)
        return committed.error();
    auto file = reopen(target);
    if (!file)
        return file.error();
    return MetadataSaveResult{
        SaveMethod::Rewrite,  target,          snapshot.header().headerLength, prepared->headerLength,
        prepared->totalBytes, std::move(*file)};
}

// Loads the header once (the exact old bytes, strictly validated), asks `metadataFor` what to save, then writes
// in place or rewrites. A save that may go in place opens the file read-write from the start: one descriptor for
// reading and writing, so no other file can slip in between, and one open less on the fast path.
Result<MetadataSaveResult> saveWith(const QString& givenPath, const MetadataFor& metadataFor,
                                    const MetadataSaveOptions& givenOptions)
{
    if (givenOptions.cancel && givenOptions.cancel->load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("the save was cancelled"), givenPath);
    // Links are followed to the file they name, which is what gets written (the links stay); a Hugging Face cache
    // blob is never written, whether in place or by a rename over it.
    QString path = givenPath;
    MetadataSaveOptions resolvedOptions;
    const MetadataSaveOptions* chosen = &givenOptions;
    if (givenOptions.outputPath.isEmpty()) {
        auto target = resolveSaveTarget(givenPath);
        if (!target)
            return target.error();
        path = *target;
    } else {
        auto target = resolveSaveTarget(givenOptions.outputPath);
        if (!target)
            return target.error();
        resolvedOptions = givenOptions;
        resolvedOptions.outputPath = *target;
        chosen = &resolvedOptions;
    }
    const MetadataSaveOptions& options = *chosen;
    if (Status refused = refuseHuggingFaceBlob(options.outputPath.isEmpty() ? path : options.outputPath); !refused)
        return refused.error();
    const bool mayWriteInPlace = options.outputPath.isEmpty() && !options.forceRewrite;
    std::optional<Error> cannotWrite;
    Result<SystemFile> source = makeError(ErrorKind::IoError, {}, path);
    // Locked for the whole save (until `source` closes): the header read here is the header written over.
    if (mayWriteInPlace) {
        source = openLockedForSave(path, platform::ReadWrite, &options.hooks);
        if (!source)
            cannotWrite = source.error(); // a read-only file can still be rewritten if the edit does not fit
    }
    if (!source)
        source = openLockedForSave(path, platform::ReadOnly, &options.hooks);
    if (!source)
        return source.error();
    auto loaded = HeaderSnapshot::read(*source);
    if (!loaded)
        return loaded.error();
    if (options.expected) {
        const FileIdentity now = FileIdentity::of(loaded->identity(), loaded->bytes());
        if (!options.expected->sameAs(now))
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("'%1' changed on disk since it was read (%2); nothing was saved")
                                 .arg(path, options.expected->differenceTo(now)),
                             path);
    }
    const std::optional<std::vector<MetadataEntry>> metadata = metadataFor(loaded->header());
    if (metadata) {
        if (Status valid = validateMetadata(*metadata); !valid)
            return withPath(valid.error(), path);
    }
    const std::string text = headerTextKeepingLayout(loaded->header(), metadata);
    if (planHeaderSave(loaded->header(), text.size(), mayWriteInPlace, options.reserveBytes).method ==
        SaveMethod::InPlace) {
        if (cannotWrite)
            return *cannotWrite;
        return saveInPlace(*source, *loaded, text, options);
    }
    return rewrite(*source, *loaded, text, options);
}

} // namespace

Result<MetadataSaveResult> saveMetadata(const QString& path, const std::optional<std::vector<MetadataEntry>>& metadata,
                                        const MetadataSaveOptions& options)
{
    return saveWith(
        path, [&](const Header&) { return metadata; }, options);
}

Result<MetadataSaveResult> saveMetadataEdit(const QString& path, const MetadataEdit& edit,
                                            const MetadataSaveOptions& options)
{
    return saveWith(
        path, [&](const Header& header) { return edit.apply(header.metadata); }, options);
}

Result<std::vector<MetadataSaveResult>> saveMetadataEditAllShards(const Model& model, const MetadataEdit& edit,
                                                                  const MetadataSaveOptions& options)
{
    if (!options.outputPath.isEmpty() && model.shards().size() > 1)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("a sharded checkpoint cannot be saved as one file; export it instead"),
                         model.path());
    if (!options.expectedShards.empty() && options.expectedShards.size() != model.shards().size())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1 expected identities were given for %2 shards")
                             .arg(options.expectedShards.size())
                             .arg(model.shards().size()),
                         model.path());
    // Every shard checked before any is written: a change to shard 5 must not be found after shards 1-4 were saved.
    for (size_t i = 0; i < options.expectedShards.size(); ++i) {
        const QString& path = model.shards()[i].path;
        auto now = FileIdentity::read(path);
        if (!now)
            return now.error();
        if (!options.expectedShards[i].sameAs(*now))
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("'%1' changed on disk since it was read (%2); nothing was saved")
                                 .arg(path, options.expectedShards[i].differenceTo(*now)),
                             path);
    }
    if (model.shards().size() > 1)
        return saveShardsAsOneTransaction(model, edit, options);
    std::vector<MetadataSaveResult> results;
    for (size_t i = 0; i < model.shards().size(); ++i) {
        const Model::Shard& shard = model.shards()[i];
        MetadataSaveOptions shardOptions = options;
        shardOptions.expected =
            options.expectedShards.empty() ? std::nullopt : std::optional<FileIdentity>(options.expectedShards[i]);
        auto saved = saveMetadataEdit(shard.path, edit, shardOptions);
        if (!saved) {
            Error error = saved.error();
            error.message += QStringLiteral(" (%1 of %2 shards were saved before this one)")
                                 .arg(results.size())
                                 .arg(model.shards().size());
            return error;
        }
        results.push_back(std::move(*saved));
    }
    return results;
}

Result<std::vector<MetadataSaveResult>> saveShardsAs(const Model& model, const MetadataEdit& edit,
                                                     const QString& directory, std::optional<size_t> onlyShard,
                                                     const MetadataSaveOptions& options)
{
    if (onlyShard && *onlyShard >= model.shards().size())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("there is no shard %1").arg(*onlyShard + 1),
                         model.path());
    const QDir target(directory);
    // Refuse before writing anything: saving "as" into the model's own folder would overwrite the originals.
    QSet<QString> originals;
    for (const Model::Shard& shard : model.shards())
        originals.insert(QFileInfo(shard.path).canonicalFilePath());
    if (!model.indexPath().isEmpty())
        originals.insert(QFileInfo(model.indexPath()).canonicalFilePath());
    std::vector<QString> targets;
    uint64_t totalBytes = 0;
    for (const Model::Shard& shard : model.shards()) {
        targets.push_back(target.absoluteFilePath(relativeShardPath(model, shard.path)));
        totalBytes += static_cast<uint64_t>(QFileInfo(shard.path).size());
    }
    const QString indexTarget =
        model.indexPath().isEmpty() ? QString() : target.absoluteFilePath(QFileInfo(model.indexPath()).fileName());
    for (const QString& path : targets) {
        if (originals.contains(QFileInfo(path).canonicalFilePath()))
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("Save As would overwrite the original '%1'; choose another folder")
                                 .arg(QDir::toNativeSeparators(path)),
                             path);
    }
    if (!indexTarget.isEmpty() && originals.contains(QFileInfo(indexTarget).canonicalFilePath()))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("Save As would overwrite the original index; choose another folder"),
                         indexTarget);

    std::vector<MetadataSaveResult> results;
    uint64_t doneBytes = 0;
    for (size_t i = 0; i < model.shards().size(); ++i) {
        const Model::Shard& shard = model.shards()[i];
        const QString& path = targets[i];
        if (!QDir().mkpath(QFileInfo(path).absolutePath()))
            return makeError(ErrorKind::IoError, QStringLiteral("cannot create the folder"),
                             QFileInfo(path).absolutePath());
        MetadataSaveOptions shardOptions = options;
        shardOptions.outputPath = path;
        shardOptions.expected =
            i < options.expectedShards.size() ? std::optional<FileIdentity>(options.expectedShards[i]) : std::nullopt;
        const uint64_t shardBytes = static_cast<uint64_t>(QFileInfo(shard.path).size());
        if (options.progress && totalBytes > 0) {
            shardOptions.progress = [&options, doneBytes, shardBytes, totalBytes](double fraction) {
                options.progress((static_cast<double>(doneBytes) + fraction * static_cast<double>(shardBytes)) /
                                 static_cast<double>(totalBytes));
            };
        }
        const bool edited = !onlyShard || *onlyShard == i;
        const auto metadataFor = [&](const Header& header) -> std::optional<std::vector<MetadataEntry>> {
            if (edited)
                return edit.apply(header.metadata);
            // A shard without __metadata__ that the edit leaves alone stays without it.
            if (header.metadataState == MetadataState::Object)
                return header.metadata;
            return std::nullopt;
        };
        auto saved = saveWith(shard.path, metadataFor, shardOptions);
        if (!saved) {
            Error error = saved.error();
            error.message += QStringLiteral(" (%1 of %2 shards were written before this one)")
                                 .arg(results.size())
                                 .arg(model.shards().size());
            return error;
        }
        doneBytes += shardBytes;
        results.push_back(std::move(*saved));
    }
    if (!indexTarget.isEmpty()) {
        if (Status copied = copyIndex(model.indexPath(), indexTarget); !copied)
            return copied.error();
    }
    return results;
}

} // namespace safescope
