#include "core/export/exportplan.h"

#include "core/edit/metadatarules.h"
#include "core/export/dtypeconversion.h"
#include "core/format/model.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/io/regularfile.h"
#include "core/quant/quantcatalog.h"
#include "core/text/textutil.h"

#include <QRegularExpression>

#include <cstring>
#include <optional>
#include <unordered_map>

namespace safescope {

namespace {

Error collision(const Model& model, size_t first, size_t second, const std::string& name)
{
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("the renames give '%1' and '%2' the same name '%3'")
                         .arg(toQString(model.qualifiedName(first)), toQString(model.qualifiedName(second)),
                              QString::fromStdString(name)),
                     {}, QString::fromStdString(name));
}

uint64_t byteSizeIn(DType dtype, uint64_t elements)
{
    return elements * static_cast<uint64_t>(dtypeBits(dtype)) / 8;
}

// Hugging Face's sharding: tensors in order; a new shard starts when the next tensor would overflow a non-empty one.
uint32_t assignShards(std::vector<ExportTensor>& tensors, uint64_t maxShardSize)
{
    uint32_t shard = 0;
    uint64_t used = 0;
    for (ExportTensor& tensor : tensors) {
        if (maxShardSize > 0 && used > 0 && used + tensor.byteSize > maxShardSize) {
            ++shard;
            used = 0;
        }
        tensor.file = shard;
        used += tensor.byteSize;
    }
    return tensors.empty() ? 1 : shard + 1;
}

// The file `path` names now (links followed), by the bytes of its name: QFileInfo would re-encode a name that is
// not UTF-8 lossily, find nothing for the source and the target alike, and call every such export an overwrite.
std::optional<platform::FileStatus> statOf(const QString& path)
{
    return pathStatus(path);
}

// Targets that exist must be regular files other than the sources: a rename over a FIFO or a device would replace
// it, and writing over a file being read, while safe (the rename keeps the old inode alive), is never intended.
Status checkTargets(const Model& model, const ExportPlan& plan)
{
    std::vector<QString> targets(plan.files.begin(), plan.files.end());
    if (!plan.indexPath.isEmpty())
        targets.push_back(plan.indexPath);
    for (const QString& target : targets) {
        const std::optional<platform::FileStatus> existing = statOf(target);
        if (!existing)
            continue;
        if (Status regular = requireRegularFile(target, *existing); !regular)
            return regular;
        for (const Model::Shard& shard : model.shards()) {
            const std::optional<platform::FileStatus> source = statOf(shard.path);
            if (source && source->sameFileAs(*existing))
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("the export would overwrite its own source '%1'").arg(shard.path),
                                 shard.path);
        }
    }
    return Ok{};
}

} // namespace

QString shardFileName(const QString& baseName, int index, int count)
{
    return QStringLiteral("%1-%2-of-%3.safetensors")
        .arg(baseName)
        .arg(index, 5, 10, QLatin1Char('0'))
        .arg(count, 5, 10, QLatin1Char('0'));
}

std::optional<uint64_t> parseByteSize(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?I?B?)\\s*$"),
                                            QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    const double number = match.captured(1).toDouble();
    const QString unit = match.captured(2).toUpper();
    const bool binary = unit.contains(QLatin1Char('I'));
    const double base = binary ? 1024.0 : 1000.0;
    double factor = 1.0;
    if (!unit.isEmpty() && unit != QLatin1String("B")) {
        const int power = QStringLiteral("KMGT").indexOf(unit[0]) + 1;
        for (int i = 0; i < power; ++i)
            factor *= base;
    } else if (binary) {
        return std::nullopt; // "iB"
    }
    const double bytes = number * factor;
    if (bytes < 1.0 || bytes > 1.8e19)
        return std::nullopt;
    return static_cast<uint64_t>(bytes);
}

Result<ExportPlan> planExport(const Model& model, const ExportOptions& options)
{
    if (options.outputPath.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("no output path was given"));
    if (options.targetDtype && !isConvertible(DType::F32, *options.targetDtype))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("export converts only to F32, F16, BF16, F8_E4M3 or F8_E5M2, not %1")
                             .arg(QLatin1StringView(dtypeName(*options.targetDtype))));
    auto selected = selectTensors(model, options.selection);
    if (!selected)
        return selected.error();
    if (selected->empty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("no tensor matches the selection"), model.path());

    ExportPlan plan;
    // Stored tensor -> the logical tensor whose main part it is, for dequantizing exports.
    std::unordered_map<size_t, size_t> mainPartOf;
    const bool dequantize = options.targetDtype && options.quantized && !options.quantized->tensors.empty();
    if (dequantize)
        for (size_t t = 0; t < options.quantized->tensors.size(); ++t)
            if (const LogicalTensor& logical = options.quantized->tensors[t]; !logical.parts.empty())
                if (const auto main = model.find(logical.parts.front().second))
                    mainPartOf.emplace(*main, t);
    if (dequantize) {
        plan.quantized = options.quantized;
        plan.partBytes = options.partBytes;
    }
    std::unordered_map<std::string, size_t> byName;
    for (const size_t index : *selected) {
        const TensorInfo& info = model.tensor(index);
        ExportTensor tensor;
        tensor.source = index;
        if (dequantize && options.quantized->isStoredPart(index)) {
            const auto main = mainPartOf.find(index);
            if (main == mainPartOf.end()) { // a companion (scales, zeros): its values are in the logical tensor
                plan.dropped.emplace_back(model.qualifiedName(index));
                continue;
            }
            const LogicalTensor& logical = options.quantized->tensors[main->second];
            tensor.logical = main->second;
            tensor.name = applyRenames(options.renames, logical.name);
            if (tensor.name.empty() || tensor.name == "__metadata__")
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("the renames turn '%1' into the unusable name '%2'")
                                     .arg(toQString(logical.name), QString::fromStdString(tensor.name)));
            if (const auto [it, inserted] = byName.emplace(tensor.name, index); !inserted)
                return collision(model, it->second, index, tensor.name);
            tensor.dtype = *options.targetDtype;
            tensor.converted = true;
            tensor.shape = logical.shape;
            tensor.byteSize = byteSizeIn(tensor.dtype, logical.elementCount);
            plan.totalBytes += tensor.byteSize;
            plan.tensors.push_back(std::move(tensor));
            continue;
        }
        tensor.name = applyRenames(options.renames, model.qualifiedName(index));
        if (tensor.name.empty() || tensor.name == "__metadata__")
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("the renames turn '%1' into the unusable name '%2'")
                                 .arg(toQString(model.qualifiedName(index)), QString::fromStdString(tensor.name)));
        if (const auto [it, inserted] = byName.emplace(tensor.name, index); !inserted)
            return collision(model, it->second, index, tensor.name);
        if (info.dtype == DType::Unknown)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("tensor '%1' has the unknown dtype '%2' and cannot be exported; exclude it")
                                 .arg(toQString(model.qualifiedName(index)), toQString(info.unknownDType())),
                             model.shardOf(index).path, toQString(model.qualifiedName(index)));
        tensor.dtype = info.dtype;
        if (options.targetDtype && info.dtype != *options.targetDtype) {
            if (isConvertible(info.dtype, *options.targetDtype)) {
                tensor.dtype = *options.targetDtype;
                tensor.converted = true;
            } else {
                plan.notConverted.push_back(tensor.name);
            }
        }
        tensor.shape.assign(info.shape.begin(), info.shape.end());
        tensor.byteSize = tensor.converted ? byteSizeIn(tensor.dtype, info.elementCount) : info.byteSize();
        plan.totalBytes += tensor.byteSize;
        plan.tensors.push_back(std::move(tensor));
    }

    switch (options.metadataPolicy) {
    case MetadataPolicy::Keep:
        if (model.metadataState() == MetadataState::Object)
            plan.metadata = model.metadata();
        break;
    case MetadataPolicy::Replace:
        if (Status valid = validateMetadata(options.metadata); !valid)
            return valid.error();
        plan.metadata = options.metadata;
        break;
    case MetadataPolicy::Drop:
        break;
    }

    const int count = static_cast<int>(assignShards(plan.tensors, options.maxShardSize));
    // Paths are built as strings from absoluteLocalPath(): QFileInfo/QDir would turn a byte of a name that is not
    // UTF-8 into U+FFFD, and the export would write a file of another name.
    const QString output = absoluteLocalPath(options.outputPath);
    const bool namedFile = options.outputPath.endsWith(QLatin1String(".safetensors"));
    const QString folderPath = namedFile ? output.left(output.lastIndexOf(QLatin1Char('/'))) : output;
    const QString fileName = output.mid(output.lastIndexOf(QLatin1Char('/')) + 1);
    const QString base =
        namedFile ? fileName.chopped(static_cast<qsizetype>(std::strlen(".safetensors"))) : options.baseName;
    const QString folderPrefix = folderPath.endsWith(QLatin1Char('/')) ? folderPath : folderPath + QLatin1Char('/');
    const auto inFolder = [&](const QString& name) -> QString { return folderPrefix + name; };
    if (count == 1) {
        plan.files.push_back(namedFile ? output : inFolder(base + QStringLiteral(".safetensors")));
    } else {
        if (count > 99999)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("more than 99,999 shards: raise the shard size"));
        for (int i = 1; i <= count; ++i)
            plan.files.push_back(inFolder(shardFileName(base, i, count)));
        plan.indexPath = inFolder(base + QStringLiteral(".safetensors.index.json"));
    }
    if (Status usable = checkTargets(model, plan); !usable)
        return usable.error();
    return plan;
}

} // namespace safescope
