#include "core/metadatasaver.h"

#include "core/atomicfilewriter.h"
#include "core/blockcopy.h"
#include "core/headerparser.h"
#include "core/headertext.h"
#include "core/inplaceheaderwrite.h"
#include "core/localpath.h"
#include "core/metadatarules.h"
#include "core/model.h"
#include "core/textutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>
#include <QtEndian>

#include <fcntl.h>
#include <unistd.h>

namespace safescope {

namespace {

struct Loaded
{
    Header header;
    QByteArray headerBytes; ///< the file's first 8 + N bytes, exactly
    struct stat identity
    {
    };
};

// Reads and strictly validates the header without mapping the file: the edit needs the exact old bytes (for the
// recovery record) and nothing of the data region.
Result<Loaded> loadHeader(const PosixFile& file)
{
    auto info = file.status();
    if (!info)
        return info.error();
    const auto size = static_cast<uint64_t>(info->st_size);
    uint64_t wanted = std::min<uint64_t>(size, 8);
    char lengthField[8] = {};
    if (Status read = file.readAt(lengthField, wanted, 0); !read)
        return read.error();
    if (size >= 8)
        wanted =
            std::min<uint64_t>(size, 8 + std::min<uint64_t>(qFromLittleEndian<quint64>(lengthField), kMaxHeaderLength));
    QByteArray bytes(static_cast<qsizetype>(wanted), Qt::Uninitialized);
    if (Status read = file.readAt(bytes.data(), wanted, 0); !read)
        return read.error();
    auto header = parseHeader(reinterpret_cast<const unsigned char*>(bytes.constData()), wanted, size, OpenMode::Strict,
                              file.path());
    if (!header)
        return header.error();
    bytes.truncate(static_cast<qsizetype>(header->dataStart));
    return Loaded{std::move(*header), std::move(bytes), *info};
}

QByteArray headerBlock(const std::string& text, uint64_t headerLength)
{
    QByteArray block(static_cast<qsizetype>(8 + headerLength), ' ');
    qToLittleEndian<quint64>(headerLength, block.data());
    std::copy(text.begin(), text.end(), block.begin() + 8);
    return block;
}

uint64_t roundUp8(uint64_t value)
{
    return (value + 7) / 8 * 8;
}

Error withPath(Error error, const QString& path)
{
    if (error.path.isEmpty())
        error.path = path;
    return error;
}

Result<std::shared_ptr<const SafetensorsFile>> reopen(const QString& path)
{
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    if (!file) {
        Error error = file.error();
        error.message = QStringLiteral("the saved file does not validate: ") + error.message;
        return error;
    }
    return file;
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

Result<MetadataSaveResult> saveInPlace(PosixFile& source, const Loaded& loaded, const std::string& text,
                                       const MetadataSaveOptions& options)
{
    auto writable = PosixFile::open(source.path(), O_RDWR, &options.hooks);
    if (!writable)
        return writable.error();
    auto info = writable->status();
    if (!info)
        return info.error();
    if (info->st_ino != loaded.identity.st_ino || info->st_size != loaded.identity.st_size)
        return makeError(ErrorKind::FileChanged, QStringLiteral("the file was replaced while it was being saved"),
                         source.path());
    const uint64_t n = loaded.header.headerLength;
    if (Status written = writeHeaderInPlace(*writable, loaded.headerBytes, headerBlock(text, n), options.hooks);
        !written)
        return written.error();
    if (Status closed = writable->close(); !closed)
        return closed.error();
    auto file = reopen(source.path());
    if (!file)
        return file.error();
    if (options.progress)
        options.progress(1.0);
    return MetadataSaveResult{SaveMethod::InPlace, source.path(), n, n, 8 + n, std::move(*file)};
}

Result<MetadataSaveResult> rewrite(PosixFile& source, const Loaded& loaded, const std::string& text,
                                   const MetadataSaveOptions& options)
{
    const QString target = options.outputPath.isEmpty() ? source.path() : options.outputPath;
    // rename() would happily replace a read-only file; the user marked it so for a reason.
    const QByteArray targetBytes = encodeLocalPath(target);
    if (::faccessat(AT_FDCWD, targetBytes.constData(), F_OK, AT_EACCESS) == 0 &&
        ::faccessat(AT_FDCWD, targetBytes.constData(), W_OK, AT_EACCESS) != 0)
        return systemError(target, QStringLiteral("write"), errno);
    if (options.reserveBytes > kMaxHeaderLength)
        return makeError(ErrorKind::HeaderTooLarge, QStringLiteral("the header reserve is larger than 100,000,000"),
                         target);
    const uint64_t n = roundUp8(text.size()) + roundUp8(options.reserveBytes);
    if (n > kMaxHeaderLength) {
        return makeError(ErrorKind::HeaderTooLarge,
                         QStringLiteral("the new header would be %1 bytes, more than the limit of 100,000,000")
                             .arg(QString::fromStdString(groupDigits(n))),
                         target);
    }
    auto writer = AtomicFileWriter::create(target, loaded.identity.st_mode & 07777, &options.hooks);
    if (!writer)
        return writer.error();
    AtomicFileWriter& out = **writer;
    const QByteArray block = headerBlock(text, n);
    if (Status written = out.file().writeAt(block.constData(), static_cast<uint64_t>(block.size()), 0); !written)
        return withPath(written.error(), target);
    if (!options.hooks.stepReached(SaveStep::TempHeaderWritten)) {
        out.abandon();
        return stoppedAtStep(SaveStep::TempHeaderWritten, target);
    }

    const uint64_t dataSize = loaded.header.dataSize();
    const uint64_t total = static_cast<uint64_t>(block.size()) + dataSize;
    bool stoppedByHook = false;
    bool firstBlock = true;
    const auto onBlock = [&](uint64_t copied) {
        if (firstBlock) {
            firstBlock = false;
            if (!options.hooks.stepReached(SaveStep::TempDataPartCopied)) {
                stoppedByHook = true;
                return false;
            }
        }
        if (options.progress)
            options.progress(static_cast<double>(static_cast<uint64_t>(block.size()) + copied) /
                             static_cast<double>(total));
        return !(options.cancel && options.cancel->load(std::memory_order_relaxed));
    };
    Status copied = copyBlocks(source, loaded.header.dataStart, out.file(), 8 + n, dataSize, onBlock);
    if (stoppedByHook) {
        out.abandon();
        return stoppedAtStep(SaveStep::TempDataPartCopied, target);
    }
    if (!copied)
        return copied.error(); // the writer's destructor removes the temp file
    if (Status finished = out.finish(); !finished)
        return finished.error();
    if (!options.hooks.stepReached(SaveStep::TempSynced)) {
        out.abandon();
        return stoppedAtStep(SaveStep::TempSynced, target);
    }
    // Validate before the rename: a broken file must never replace a good one.
    if (auto temp = reopen(out.tempPath()); !temp)
        return withPath(temp.error(), target);
    auto after = source.status();
    if (!after)
        return after.error();
    if (after->st_size != loaded.identity.st_size || after->st_mtim.tv_sec != loaded.identity.st_mtim.tv_sec ||
        after->st_mtim.tv_nsec != loaded.identity.st_mtim.tv_nsec) {
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("'%1' was modified by another program while it was being copied; nothing "
                                        "was saved")
                             .arg(source.path()),
                         source.path());
    }
    if (Status committed = out.commit(); !committed)
        return committed.error();
    auto file = reopen(target);
    if (!file)
        return file.error();
    return MetadataSaveResult{SaveMethod::Rewrite, target, loaded.header.headerLength, n, total, std::move(*file)};
}

} // namespace

const char* saveMethodName(SaveMethod method)
{
    return method == SaveMethod::InPlace ? "in-place" : "rewrite";
}

Result<MetadataSaveResult> saveMetadata(const QString& path, const std::optional<std::vector<MetadataEntry>>& metadata,
                                        const MetadataSaveOptions& options)
{
    if (metadata) {
        if (Status valid = validateMetadata(*metadata); !valid)
            return withPath(valid.error(), path);
    }
    if (options.cancel && options.cancel->load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("the save was cancelled"), path);
    auto source = PosixFile::open(path, O_RDONLY, &options.hooks);
    if (!source)
        return source.error();
    auto loaded = loadHeader(*source);
    if (!loaded)
        return loaded.error();
    const std::string text = headerTextKeepingLayout(loaded->header, metadata);
    const bool fits = text.size() <= loaded->header.headerLength;
    if (fits && !options.forceRewrite && options.outputPath.isEmpty())
        return saveInPlace(*source, *loaded, text, options);
    return rewrite(*source, *loaded, text, options);
}

Result<MetadataSaveResult> saveMetadataEdit(const QString& path, const MetadataEdit& edit,
                                            const MetadataSaveOptions& options)
{
    auto file = SafetensorsFile::open(path, OpenMode::Strict);
    if (!file)
        return file.error();
    const auto metadata = edit.apply((*file)->header().metadata);
    file->reset(); // unmap before writing
    return saveMetadata(path, metadata, options);
}

Result<std::vector<MetadataSaveResult>> saveMetadataEditAllShards(const Model& model, const MetadataEdit& edit,
                                                                  const MetadataSaveOptions& options)
{
    if (!options.outputPath.isEmpty() && model.shards().size() > 1)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("a sharded checkpoint cannot be saved as one file; export it instead"),
                         model.path());
    std::vector<MetadataSaveResult> results;
    for (const Model::Shard& shard : model.shards()) {
        auto saved = saveMetadata(shard.path, edit.apply(shard.file->header().metadata), options);
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
        const uint64_t shardBytes = static_cast<uint64_t>(QFileInfo(shard.path).size());
        if (options.progress && totalBytes > 0) {
            shardOptions.progress = [&options, doneBytes, shardBytes, totalBytes](double fraction) {
                options.progress((static_cast<double>(doneBytes) + fraction * static_cast<double>(shardBytes)) /
                                 static_cast<double>(totalBytes));
            };
        }
        const std::vector<MetadataEntry>& current = shard.file->header().metadata;
        const bool edited = !onlyShard || *onlyShard == i;
        // A shard without __metadata__ that the edit leaves alone stays without it.
        std::optional<std::vector<MetadataEntry>> metadata;
        if (edited)
            metadata = edit.apply(current);
        else if (shard.file->header().metadataState == MetadataState::Object)
            metadata = current;
        auto saved = saveMetadata(shard.path, metadata, shardOptions);
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
