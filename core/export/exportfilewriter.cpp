#include "core/export/exportfilewriter.h"

#include "core/export/dtypeconversion.h"
#include "core/export/writer.h"
#include "core/format/errorcontext.h"
#include "core/format/headerparser.h"
#include "core/format/model.h"
#include "core/io/blockcopy.h"
#include "core/io/bytesource.h"
#include "core/io/bytesourcecopy.h"
#include "core/io/pagephase.h"
#include "core/io/sigbusguard.h"
#include "core/platform/filesystem.h"
#include "core/quant/dequantizedproducer.h"
#include "core/quant/quantcatalog.h"

#include <QtEndian>

#include <unordered_map>
#include <utility>

namespace safescope {

namespace {

// Elements converted per block: 4 MiB of F32 output, so progress and cancellation stay responsive.
constexpr uint64_t kConvertBlock = uint64_t{1} << 20;

// Permissions a new file would get from a plain open: 0666 minus the umask.
unsigned newFileMode()
{
    return platform::defaultFilePermissions();
}

} // namespace

ExportFileWriter::ExportFileWriter(const Model& model, const ExportPlan& plan, const ExportOptions& options,
                                   AdvanceFn advance, const std::atomic_bool* cancel)
    : m_model(model), m_plan(plan), m_options(options), m_advance(std::move(advance)), m_cancel(cancel),
      m_sources(model.shards().size())
{}

Result<const SystemFile*> ExportFileWriter::source(uint32_t shard)
{
    if (!m_sources[shard]) {
        auto opened = SystemFile::open(m_model.shards()[shard].path, platform::ReadOnly);
        if (!opened)
            return opened.error();
        m_sources[shard] = std::make_unique<SystemFile>(std::move(*opened));
    }
    return m_sources[shard].get();
}

bool ExportFileWriter::blockDone(uint64_t bytes)
{
    if (m_firstBlock) {
        m_firstBlock = false;
        if (!m_options.hooks.stepReached(SaveStep::TempDataPartCopied)) {
            m_stoppedByHook = true;
            return false;
        }
    }
    return m_advance(bytes);
}

Status ExportFileWriter::flush(CopyRun& run, SystemFile& target)
{
    if (run.length == 0)
        return Ok{};
    uint64_t reported = 0;
    const auto onBlock = [&](uint64_t done) {
        const uint64_t step = done - reported;
        reported = done;
        return blockDone(step);
    };
    const uint64_t length = std::exchange(run.length, 0);
    // A remote shard has no file here: its bytes are streamed through its ByteSource, a bounded chunk at a time.
    if (const ByteSource* remote = m_model.shards()[run.shard].file->byteSource())
        return copyFromByteSource(*remote, run.sourceOffset, target, run.targetOffset, length, m_cancel, onBlock);
    auto from = source(run.shard);
    if (!from)
        return from.error();
    return copyBlocks(**from, run.sourceOffset, target, run.targetOffset, length, onBlock);
}

Status ExportFileWriter::convert(const ExportTensor& tensor, SystemFile& target, uint64_t targetOffset)
{
    const TensorInfo& info = m_model.tensor(tensor.source);
    const auto inBytes = static_cast<uint64_t>(dtypeBits(info.dtype) / 8);
    const auto outBytes = static_cast<uint64_t>(dtypeBits(tensor.dtype) / 8);
    const size_t blockElements = static_cast<size_t>(std::min(info.elementCount, kConvertBlock));
    std::vector<unsigned char> buffer(blockElements * outBytes);
    // A remote tensor has no mapping: each block of its input is fetched into `input` first, so memory stays
    // bounded by one block whatever the tensor's size.
    const ByteSource* remote = m_model.shardOf(tensor.source).file->byteSource();
    std::vector<unsigned char> input(remote ? blockElements * inBytes : 0);
    for (uint64_t first = 0; first < info.elementCount; first += kConvertBlock) {
        const uint64_t count = std::min(kConvertBlock, info.elementCount - first);
        const unsigned char* in = nullptr;
        if (remote) {
            const uint64_t from = m_model.absoluteOffset(tensor.source) + first * inBytes;
            if (Status read = remote->read(from, count * inBytes, input.data(), m_cancel); !read)
                return inTensor(read.error(), m_model, tensor.source);
            in = input.data();
        } else {
            in = m_model.tensorData(tensor.source) + first * inBytes;
        }
        // A mapped source truncated under us raises SIGBUS here, which the guard turns into an error.
        const bool read = SigbusGuard::runGuarded(
            [&] { convertElements(info.dtype, in, tensor.dtype, buffer.data(), static_cast<size_t>(count), nullptr); });
        if (!read)
            return inTensor(makeError(ErrorKind::FileChanged, QStringLiteral("the file changed on disk while it was "
                                                                             "being exported (it was truncated or "
                                                                             "rewritten by another program)")),
                            m_model, tensor.source);
        if (Status written = target.writeAt(buffer.data(), count * outBytes, targetOffset + first * outBytes); !written)
            return written;
        if (!blockDone(count * outBytes))
            return makeError(ErrorKind::Cancelled, QStringLiteral("the export was cancelled"), target.path());
    }
    return Ok{};
}

// A dequantized logical tensor: produced a block at a time (4 MiB of F32 at most held), so memory stays bounded
// whatever the tensor's size, and progress and cancellation work as for a conversion.
Status ExportFileWriter::produce(const ExportTensor& tensor, SystemFile& target, uint64_t targetOffset)
{
    auto producer =
        DequantizedProducer::create(m_model, m_plan.quantized->tensors[*tensor.logical], m_options.partBytes, m_cancel);
    if (!producer)
        return producer.error();
    const uint64_t elements = (*producer)->elementCount();
    const auto outBytes = static_cast<uint64_t>(dtypeBits(tensor.dtype) / 8);
    std::vector<unsigned char> buffer(static_cast<size_t>(std::min(elements, kConvertBlock) * outBytes));
    for (uint64_t first = 0; first < elements; first += kConvertBlock) {
        const uint64_t count = std::min(kConvertBlock, elements - first);
        if (Status made = (*producer)->produce(first, count, tensor.dtype, buffer.data(), nullptr); !made)
            return made;
        if (Status written = target.writeAt(buffer.data(), count * outBytes, targetOffset + first * outBytes); !written)
            return written;
        if (!blockDone(count * outBytes))
            return makeError(ErrorKind::Cancelled, QStringLiteral("the export was cancelled"), target.path());
    }
    return Ok{};
}

Result<std::unique_ptr<AtomicFileWriter>> ExportFileWriter::write(uint32_t fileIndex)
{
    const QString& path = m_plan.files[fileIndex];
    std::vector<WriteTensor> tensors;
    std::unordered_map<std::string_view, const ExportTensor*> byName;
    for (const ExportTensor& tensor : m_plan.tensors) {
        if (tensor.file != fileIndex)
            continue;
        tensors.push_back({tensor.name, tensor.dtype, tensor.shape, nullptr});
        byName.emplace(tensor.name, &tensor);
    }
    WriteOptions writeOptions;
    if (m_plan.metadata) {
        writeOptions.metadataState = MetadataState::Object;
        writeOptions.metadata = *m_plan.metadata;
    }
    writeOptions.reserveBytes = m_options.reserveBytes;
    auto header = buildHeader(tensors, writeOptions); // sorts `tensors` into file order
    if (!header) {
        Error error = header.error();
        error.path = path;
        return error;
    }

    // Spaces after the header (the format allows them) keep the copied bytes at their source page offset.
    std::vector<CopySpan> spans;
    uint64_t dataOffset = 0;
    uint64_t copiedBytes = 0;
    for (const WriteTensor& written : tensors) {
        const ExportTensor& tensor = *byName.at(written.name);
        if (!tensor.converted && tensor.byteSize > 0) {
            spans.push_back({m_model.absoluteOffset(tensor.source), dataOffset, tensor.byteSize});
            copiedBytes += tensor.byteSize;
        }
        dataOffset += tensor.byteSize;
    }
    const std::optional<uint64_t> phase =
        copiedBytes >= kPagePhaseWorthwhileCopy ? bestDataStartPhase(spans) : std::nullopt;
    if (phase)
        header->append(headerLengthInPhase(header->size(), *phase, kMaxHeaderLength) - header->size(), ' ');

    auto created = AtomicFileWriter::create(path, newFileMode(), &m_options.hooks);
    if (!created)
        return created.error();
    std::unique_ptr<AtomicFileWriter> writer = std::move(*created);
    SystemFile& target = writer->file();
    QByteArray start(8, Qt::Uninitialized);
    qToLittleEndian<quint64>(header->size(), start.data());
    start.append(header->data(), static_cast<qsizetype>(header->size()));
    if (Status reserved = target.preallocate(static_cast<uint64_t>(start.size()) + dataOffset); !reserved)
        return reserved.error();
    if (Status written = target.writeAt(start.constData(), static_cast<uint64_t>(start.size()), 0); !written)
        return written.error();
    if (!m_options.hooks.stepReached(SaveStep::TempHeaderWritten)) {
        writer->abandon();
        return stoppedAtStep(SaveStep::TempHeaderWritten, path);
    }

    // Unchanged tensors that sit back to back in one source file are copied in one call: a whole checkpoint
    // exported unchanged in the reference order becomes a single copy_file_range stream.
    uint64_t offset = static_cast<uint64_t>(start.size());
    CopyRun run;
    Status status = Ok{};
    for (const WriteTensor& written : tensors) {
        const ExportTensor& tensor = *byName.at(written.name);
        if (tensor.logical) {
            status = flush(run, target);
            if (status)
                status = produce(tensor, target, offset);
        } else if (tensor.converted) {
            status = flush(run, target);
            if (status)
                status = convert(tensor, target, offset);
        } else if (tensor.byteSize > 0) {
            const uint32_t shard = m_model.shardIndexOf(tensor.source);
            const uint64_t from = m_model.absoluteOffset(tensor.source);
            if (run.length > 0 && (run.shard != shard || run.sourceOffset + run.length != from))
                status = flush(run, target);
            if (run.length == 0)
                run = CopyRun{shard, from, offset, 0};
            run.length += tensor.byteSize;
        }
        if (!status)
            break;
        offset += tensor.byteSize;
    }
    if (status)
        status = flush(run, target);
    if (m_stoppedByHook) {
        writer->abandon();
        return stoppedAtStep(SaveStep::TempDataPartCopied, path);
    }
    if (!status) {
        Error error = status.error();
        if (error.kind == ErrorKind::Cancelled)
            error.message = QStringLiteral("the export was cancelled; no file was written");
        return error;
    }
    if (Status finished = writer->finish(); !finished)
        return finished.error();
    if (!m_options.hooks.stepReached(SaveStep::TempSynced)) {
        writer->abandon();
        return stoppedAtStep(SaveStep::TempSynced, path);
    }
    auto check = SafetensorsFile::open(writer->tempPath(), OpenMode::Strict);
    if (!check || (*check)->header().tensors.size() != tensors.size() || (*check)->header().fileSize != offset) {
        return makeError(ErrorKind::IoError,
                         QStringLiteral("the written file does not validate: %1")
                             .arg(check ? QStringLiteral("wrong tensor count or size") : check.error().message),
                         path);
    }
    return writer;
}

} // namespace safescope
