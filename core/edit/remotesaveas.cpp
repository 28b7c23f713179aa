#include "core/edit/remotesaveas.h"

#include "core/edit/headertext.h"
#include "core/edit/preparedrewrite.h"
#include "core/edit/saveplan.h"
#include "core/edit/savetarget.h"
#include "core/format/headerparser.h"
#include "core/format/safetensorsfile.h"
#include "core/io/atomicfilewriter.h"
#include "core/io/bytesource.h"
#include "core/io/bytesourcecopy.h"
#include "core/platform/filesystem.h"
#include "core/text/textutil.h"

#include <algorithm>

namespace safescope {

namespace {

// The written file must say what the source says, with the new metadata: a mistake in the header text or a short
// copy is caught here, before the rename.
Status checkSaved(const Header& source, const Header& saved, const std::optional<std::vector<MetadataEntry>>& metadata,
                  const QString& target)
{
    const auto differs = [&](const QString& what) {
        return makeError(ErrorKind::IoError, QStringLiteral("the saved file does not match its source: %1").arg(what),
                         target);
    };
    if (saved.dataSize() != source.dataSize())
        return differs(
            QStringLiteral("data region of %1 bytes instead of %2").arg(saved.dataSize()).arg(source.dataSize()));
    if (saved.tensors.size() != source.tensors.size())
        return differs(QStringLiteral("%1 tensors instead of %2").arg(saved.tensors.size()).arg(source.tensors.size()));
    for (size_t i = 0; i < source.tensors.size(); ++i) {
        const TensorInfo& a = source.tensors[i];
        const auto b = std::ranges::find(saved.tensors, a.name, &TensorInfo::name);
        if (b == saved.tensors.end() || b->begin != a.begin || b->end != a.end || b->dtype != a.dtype ||
            !std::ranges::equal(b->shape, a.shape))
            return differs(QStringLiteral("tensor '%1' differs").arg(toQString(a.name)));
    }
    const std::vector<MetadataEntry> expected = metadata.value_or(std::vector<MetadataEntry>{});
    const bool same = std::ranges::equal(saved.metadata, expected, [](const MetadataEntry& x, const MetadataEntry& y) {
        return x.key == y.key && x.value == y.value;
    });
    if (!same)
        return differs(QStringLiteral("the metadata is not the edited metadata"));
    return Ok{};
}

} // namespace

RemoteSaveDraft::RemoteSaveDraft() = default;
RemoteSaveDraft::RemoteSaveDraft(RemoteSaveDraft&&) noexcept = default;
RemoteSaveDraft& RemoteSaveDraft::operator=(RemoteSaveDraft&&) noexcept = default;
RemoteSaveDraft::~RemoteSaveDraft() = default;

Result<MetadataSaveResult> saveRemoteFileAs(const SafetensorsFile& file, const MetadataEdit& edit,
                                            const QString& output, const MetadataSaveOptions& options)
{
    auto draft = draftRemoteFileAs(file, edit, output, options);
    if (!draft)
        return draft.error();
    auto committed = commitRemoteSave(*draft);
    if (committed && options.progress)
        options.progress(1.0);
    return committed;
}

Result<MetadataSaveResult> commitRemoteSave(RemoteSaveDraft& draft)
{
    if (Status committed = draft.writer->commit(); !committed)
        return committed.error();
    auto reopened = HeaderSnapshot::reopen(draft.result.path);
    if (!reopened)
        return reopened.error();
    MetadataSaveResult result = draft.result;
    result.file = std::make_shared<const HeaderSnapshot>(std::move(*reopened));
    return result;
}

Result<RemoteSaveDraft> draftRemoteFileAs(const SafetensorsFile& file, const MetadataEdit& edit, const QString& output,
                                          const MetadataSaveOptions& options)
{
    const ByteSource* source = file.byteSource();
    if (!source)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("the file is not remote"), output);
    if (options.cancel && options.cancel->load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("the save was cancelled"), output);
    auto target = resolveSaveTarget(output); // links followed; a Hugging Face cache blob is refused
    if (!target)
        return target.error();
    const Header& header = file.header();
    const std::optional<std::vector<MetadataEntry>> metadata = edit.apply(header.metadata);
    const std::string text = headerTextKeepingLayout(header, metadata);
    if (options.reserveBytes > kMaxHeaderLength)
        return makeError(ErrorKind::HeaderTooLarge, QStringLiteral("the header reserve is larger than 100,000,000"),
                         *target);
    const SavePlan plan = planHeaderSave(header, text.size(), false, options.reserveBytes);
    if (plan.newHeaderLength > kMaxHeaderLength)
        return makeError(ErrorKind::HeaderTooLarge,
                         QStringLiteral("the new header would be %1 bytes, more than the limit of 100,000,000")
                             .arg(QString::fromStdString(groupDigits(plan.newHeaderLength))),
                         *target);
    const uint64_t n = plan.newHeaderLength;

    auto writer = AtomicFileWriter::create(*target, platform::defaultFilePermissions(), &options.hooks);
    if (!writer)
        return writer.error();
    AtomicFileWriter& out = **writer;
    const QByteArray block = headerBlock(text, n);
    const uint64_t total = static_cast<uint64_t>(block.size()) + header.dataSize();
    if (Status reserved = out.file().preallocate(total); !reserved)
        return reserved.error();
    if (Status written = out.file().writeAt(block.constData(), static_cast<uint64_t>(block.size()), 0); !written)
        return written.error();
    const auto onBlock = [&](uint64_t copied) {
        if (options.progress)
            options.progress(static_cast<double>(static_cast<uint64_t>(block.size()) + copied) /
                             static_cast<double>(total));
        return !(options.cancel && options.cancel->load(std::memory_order_relaxed));
    };
    // Every data byte from the source, a bounded chunk at a time; a failed or changed read stops the save (the
    // writer's destructor removes the temporary file).
    if (Status copied = copyFromByteSource(*source, header.dataStart, out.file(), 8 + n, header.dataSize(),
                                           options.cancel, onBlock);
        !copied) {
        Error error = copied.error();
        if (error.kind == ErrorKind::Cancelled)
            error.message = QStringLiteral("the save was cancelled; nothing was written");
        return error;
    }
    if (Status finished = out.finish(); !finished) // fsync before the rename
        return finished.error();
    auto saved = HeaderSnapshot::reopen(out.tempPath());
    if (!saved) {
        Error error = saved.error();
        error.path = *target;
        error.message = QStringLiteral("the saved file does not validate: ") + error.message;
        return error;
    }
    if (Status same = checkSaved(header, saved->header(), metadata, *target); !same)
        return same.error();
    RemoteSaveDraft draft;
    draft.result = MetadataSaveResult{SaveMethod::Rewrite, *target, header.headerLength, n, total, nullptr};
    draft.writer = std::move(*writer);
    return draft;
}

} // namespace safescope
