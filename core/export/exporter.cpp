#include "core/export/exporter.h"

#include "core/export/exportfilewriter.h"
#include "core/format/errorcontext.h"
#include "core/format/model.h"
#include "core/format/shardindex.h"
#include "core/io/bytesource.h"
#include "core/io/systemfile.h"
#include "core/quant/dequantizedproducer.h"
#include "core/quant/quantcatalog.h"

#include <QDir>
#include <QFileInfo>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace safescope {

namespace {

constexpr uint64_t kPreviewBlock = uint64_t{1} << 20;

Error cancelled(const QString& path)
{
    return makeError(ErrorKind::Cancelled, QStringLiteral("the export was cancelled; no file was written"), path);
}

// The index, as Hugging Face writes it: total_size is the sum of tensor bytes (headers excluded).
QByteArray indexJson(const ExportPlan& plan)
{
    nlohmann::json weightMap = nlohmann::json::object();
    for (const ExportTensor& tensor : plan.tensors)
        weightMap[tensor.name] = QFileInfo(plan.files[tensor.file]).fileName().toStdString();
    const nlohmann::json index{{"metadata", {{"total_size", plan.totalBytes}}}, {"weight_map", std::move(weightMap)}};
    const std::string text = index.dump(2) + '\n';
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

Result<std::unique_ptr<AtomicFileWriter>> writeIndex(const ExportPlan& plan, const ExportOptions& options)
{
    const QByteArray json = indexJson(plan);
    if (auto parsed = parseShardIndex(json, plan.indexPath); !parsed)
        return parsed.error();
    auto writer = AtomicFileWriter::create(plan.indexPath, 0644, &options.hooks);
    if (!writer)
        return writer.error();
    SystemFile& file = (*writer)->file();
    if (Status written = file.writeAt(json.constData(), static_cast<uint64_t>(json.size()), 0); !written)
        return written.error();
    if (Status finished = (*writer)->finish(); !finished)
        return finished.error();
    return writer;
}

// The re-opened output must be exactly the plan: same names, dtypes and shapes, nothing missing or extra.
Status checkAgainstPlan(const Model& output, const ExportPlan& plan)
{
    if (!output.warnings().empty())
        return makeError(ErrorKind::InvalidIndex, output.warnings().front().message, output.path());
    if (output.tensorCount() != plan.tensors.size())
        return makeError(ErrorKind::InvalidIndex,
                         QStringLiteral("the output holds %1 tensors instead of %2")
                             .arg(output.tensorCount())
                             .arg(plan.tensors.size()),
                         output.path());
    for (const ExportTensor& tensor : plan.tensors) {
        const auto found = output.find(tensor.name);
        if (!found || output.tensor(*found).dtype != tensor.dtype ||
            !std::ranges::equal(output.tensor(*found).shape, tensor.shape))
            return makeError(ErrorKind::InvalidIndex,
                             QStringLiteral("tensor '%1' is missing or different in the output")
                                 .arg(QString::fromStdString(tensor.name)),
                             output.path(), QString::fromStdString(tensor.name));
    }
    return Ok{};
}

} // namespace

Result<ConversionPreview> previewConversion(const Model& model, const ExportPlan& plan, const std::atomic_bool& cancel,
                                            const ProgressFn& progress)
{
    ConversionPreview preview;
    preview.perTensor.resize(plan.tensors.size());
    uint64_t total = 0;
    for (const ExportTensor& tensor : plan.tensors)
        total += tensor.converted ? tensor.byteSize : 0;
    std::vector<unsigned char> scratch;
    std::vector<unsigned char> input;
    uint64_t done = 0;
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const ExportTensor& tensor = plan.tensors[i];
        if (!tensor.converted)
            continue;
        if (tensor.logical) { // dequantized, then rounded: the impact of the rounding, chunk by chunk
            auto producer =
                DequantizedProducer::create(model, plan.quantized->tensors[*tensor.logical], plan.partBytes, &cancel);
            if (!producer)
                return producer.error();
            const auto outBytes = static_cast<uint64_t>(dtypeBits(tensor.dtype) / 8);
            const uint64_t elements = (*producer)->elementCount();
            scratch.resize(static_cast<size_t>(std::min(elements, kPreviewBlock) * outBytes));
            for (uint64_t first = 0; first < elements; first += kPreviewBlock) {
                if (cancel.load(std::memory_order_relaxed))
                    return makeError(ErrorKind::Cancelled, QStringLiteral("the preview was cancelled"), model.path());
                const uint64_t count = std::min(kPreviewBlock, elements - first);
                if (Status made =
                        (*producer)->produce(first, count, tensor.dtype, scratch.data(), &preview.perTensor[i]);
                    !made)
                    return made.error();
                done += count * outBytes;
                if (progress && total > 0)
                    progress(static_cast<double>(done) / static_cast<double>(total));
            }
            preview.total.merge(preview.perTensor[i]);
            continue;
        }
        const TensorInfo& info = model.tensor(tensor.source);
        const auto inBytes = static_cast<uint64_t>(dtypeBits(info.dtype) / 8);
        const auto outBytes = static_cast<uint64_t>(dtypeBits(tensor.dtype) / 8);
        scratch.resize(static_cast<size_t>(std::min(info.elementCount, kPreviewBlock) * outBytes));
        // A remote tensor is fetched a block at a time (bounded memory); the blocks land in the block cache, so
        // the export that follows the preview reads them from disk rather than the network.
        const ByteSource* remote = model.shardOf(tensor.source).file->byteSource();
        input.resize(remote ? static_cast<size_t>(std::min(info.elementCount, kPreviewBlock) * inBytes) : 0);
        for (uint64_t first = 0; first < info.elementCount; first += kPreviewBlock) {
            if (cancel.load(std::memory_order_relaxed))
                return makeError(ErrorKind::Cancelled, QStringLiteral("the preview was cancelled"), model.path());
            const uint64_t count = std::min(kPreviewBlock, info.elementCount - first);
            const unsigned char* in = nullptr;
            if (remote) {
                const uint64_t from = model.absoluteOffset(tensor.source) + first * inBytes;
                if (Status read = remote->read(from, count * inBytes, input.data(), &cancel); !read)
                    return inTensor(read.error(), model, tensor.source);
                in = input.data();
            } else {
                in = model.tensorData(tensor.source) + first * inBytes;
            }
            convertElements(info.dtype, in, tensor.dtype, scratch.data(), static_cast<size_t>(count),
                            &preview.perTensor[i]);
            done += count * outBytes;
            if (progress && total > 0)
                progress(static_cast<double>(done) / static_cast<double>(total));
        }
        preview.total.merge(preview.perTensor[i]);
    }
    if (Status same = model.verifyUnchanged(); !same)
        return same.error();
    return preview;
}

Result<ExportResult> runExport(const Model& model, const ExportPlan& plan, const ExportOptions& options,
                               const std::atomic_bool& cancel, const ProgressFn& progress)
{
    const QString folder = QFileInfo(plan.files.front()).absolutePath();
    if (Status made = makeFolders(folder); !made) // by bytes: a folder name need not be UTF-8
        return made.error();

    uint64_t done = 0;
    uint64_t reported = 0;
    const auto advance = [&](uint64_t bytes) {
        done += bytes;
        // Report about every 0.1% so a GUI progress bar moves without flooding the event queue.
        if (progress && (done - reported) * 1000 >= plan.totalBytes) {
            reported = done;
            progress(plan.totalBytes == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(plan.totalBytes));
        }
        return !cancel.load(std::memory_order_relaxed);
    };
    if (cancel.load())
        return cancelled(plan.files.front());

    ExportFileWriter fileWriter(model, plan, options, advance, &cancel);
    std::vector<std::unique_ptr<AtomicFileWriter>> pending; // destroyed on failure: temp files removed
    for (uint32_t i = 0; i < plan.files.size(); ++i) {
        auto written = fileWriter.write(i);
        if (!written)
            return written.error();
        pending.push_back(std::move(*written));
    }
    if (!plan.indexPath.isEmpty()) {
        auto index = writeIndex(plan, options);
        if (!index)
            return index.error();
        pending.push_back(std::move(*index)); // renamed last: loaders look for the index first
    }
    if (cancel.load())
        return cancelled(plan.files.front());
    // Bytes copied from a source overwritten meanwhile would mix two versions: nothing is committed then (the
    // pending temporary files are removed as `pending` goes).
    if (Status same = model.verifyUnchanged(); !same)
        return same.error();
    for (const auto& writer : pending) {
        if (Status committed = writer->commit(); !committed)
            return committed.error();
    }
    if (progress)
        progress(1.0);

    auto output = Model::open(plan.indexPath.isEmpty() ? plan.files.front() : plan.indexPath, OpenMode::Strict);
    if (!output)
        return output.error();
    if (Status matches = checkAgainstPlan(**output, plan); !matches)
        return matches.error();
    ExportResult result;
    result.files = plan.files;
    result.indexPath = plan.indexPath;
    result.model = std::move(*output);
    result.bytesWritten = 0;
    for (const auto& shard : result.model->shards()) // sizes of what was just opened, not of QFileInfo's lossy names
        result.bytesWritten += shard.file->header().fileSize;
    return result;
}

} // namespace safescope
