#include "core/edit/preparedrewrite.h"

#include "core/edit/metadatasaver.h"
#include "core/format/headerparser.h"
#include "core/io/blockcopy.h"
#include "core/io/localpath.h"
#include "core/platform/filesystem.h"
#include "core/text/textutil.h"

#include <QtEndian>

#include <cerrno>

namespace safescope {

namespace {

Error withPath(Error error, const QString& path)
{
    if (error.path.isEmpty())
        error.path = path;
    return error;
}

} // namespace

QByteArray headerBlock(const std::string& text, uint64_t headerLength)
{
    QByteArray block(static_cast<qsizetype>(8 + headerLength), ' ');
    qToLittleEndian<quint64>(headerLength, block.data());
    std::copy(text.begin(), text.end(), block.begin() + 8);
    return block;
}

Result<PreparedRewrite> prepareRewrite(const SystemFile& source, const HeaderSnapshot& snapshot,
                                       const std::string& text, const MetadataSaveOptions& options,
                                       const QString& target)
{
    const Header& header = snapshot.header();
    const platform::FileStatus& identity = snapshot.identity();
    // A rename would happily replace a read-only file; the user marked it so for a reason.
    if (const int err = platform::checkWritable(encodeLocalPath(target).toStdString()); err != 0 && err != ENOENT)
        return systemError(target, QStringLiteral("write"), err);
    if (options.reserveBytes > kMaxHeaderLength)
        return makeError(ErrorKind::HeaderTooLarge, QStringLiteral("the header reserve is larger than 100,000,000"),
                         target);
    const SavePlan plan = planHeaderSave(header, text.size(), false, options.reserveBytes);
    if (plan.newHeaderLength > kMaxHeaderLength) {
        return makeError(ErrorKind::HeaderTooLarge,
                         QStringLiteral("the new header would be %1 bytes, more than the limit of 100,000,000")
                             .arg(QString::fromStdString(groupDigits(plan.newHeaderLength))),
                         target);
    }
    const uint64_t n = plan.newHeaderLength;
    auto writer = AtomicFileWriter::create(target, identity.permissions, &options.hooks);
    if (!writer)
        return writer.error();
    AtomicFileWriter& out = **writer;
    const QByteArray block = headerBlock(text, n);
    const uint64_t dataSize = header.dataSize();
    const uint64_t total = static_cast<uint64_t>(block.size()) + dataSize;
    if (Status reserved = out.file().preallocate(total); !reserved)
        return withPath(reserved.error(), target);
    if (Status written = out.file().writeAt(block.constData(), static_cast<uint64_t>(block.size()), 0); !written)
        return withPath(written.error(), target);
    if (!options.hooks.stepReached(SaveStep::TempHeaderWritten)) {
        out.abandon();
        return stoppedAtStep(SaveStep::TempHeaderWritten, target);
    }

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
    // Over the original, the source's cached pages are freed at the rename anyway; for Save As they stay useful.
    const SourceCache sourceCache = target == source.path() ? SourceCache::Release : SourceCache::Keep;
    Status copied = copyBlocks(source, header.dataStart, out.file(), 8 + n, dataSize, onBlock, sourceCache);
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
    if (auto temp = HeaderSnapshot::reopen(out.tempPath()); !temp) {
        Error error = withPath(temp.error(), target);
        error.message = QStringLiteral("the saved file does not validate: ") + error.message;
        return error;
    }
    auto after = source.status();
    if (!after)
        return after.error();
    if (after->size != identity.size || after->modifiedNs != identity.modifiedNs) {
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("'%1' was modified by another program while it was being copied; nothing "
                                        "was saved")
                             .arg(source.path()),
                         source.path());
    }
    return PreparedRewrite{std::move(*writer), block, n, total};
}

} // namespace safescope
