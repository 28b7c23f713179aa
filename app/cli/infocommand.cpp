// safescope-cli info: what a checkpoint holds, as a table for people or JSON for scripts.
#include "commandline.h"
#include "commands.h"
#include "core/export/writerlayout.h"
#include "core/format/model.h"
#include "core/modelinfo/architecturesummary.h"
#include "core/modelinfo/modelcard.h"
#include "core/modelinfo/modelfacts.h"
#include "core/text/format.h"
#include "core/text/textutil.h"
#include "jsonoutput.h"
#include "jsonstream.h"
#include "modelargument.h"
#include "quantlookup.h"
#include "savenotices.h"
#include "terminalstream.h"

#include <QFileInfo>
#include <QTextStream>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

namespace safescope::cli {

namespace {

std::string dtypeText(const TensorInfo& tensor)
{
    return std::string(tensor.dtype == DType::Unknown ? tensor.unknownDType()
                                                      : std::string_view(dtypeName(tensor.dtype)));
}

const char* sourceName(Model::Source source)
{
    switch (source) {
    case Model::Source::SingleFile:
        return "file";
    case Model::Source::ShardedIndex:
        return "index";
    case Model::Source::Folder:
        return "folder";
    }
    return "file";
}

struct DTypeTotals
{
    uint64_t parameters = 0;
    uint64_t bytes = 0;
    uint64_t tensors = 0;
};

nlohmann::json metadataJson(const Model& model)
{
    if (model.metadataState() != MetadataState::Object)
        return nullptr;
    nlohmann::ordered_json ordered = nlohmann::ordered_json::object();
    for (const MetadataEntry& entry : model.metadata())
        ordered[entry.key] = entry.value;
    return nlohmann::json::parse(ordered.dump()); // keep values; key order is lost in json, kept in text output
}

nlohmann::json countJson(const std::optional<uint64_t>& value)
{
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json configJson(const ModelCard& card, const Model& model, uint64_t logicalParameters)
{
    nlohmann::json problems = nlohmann::json::array();
    for (const QString& problem : card.problems)
        problems.push_back(toStd(problem));
    const auto kvCache = card.kvCacheBytes(1000);
    return {{"path", toStd(card.path)},
            {"architectures", card.architectures},
            {"model_type", card.modelType.empty() ? nlohmann::json(nullptr) : nlohmann::json(card.modelType)},
            {"torch_dtype", card.torchDtype.empty() ? nlohmann::json(nullptr) : nlohmann::json(card.torchDtype)},
            {"hidden_size", countJson(card.hiddenSize)},
            {"num_hidden_layers", countJson(card.layers)},
            {"num_attention_heads", countJson(card.attentionHeads)},
            {"num_key_value_heads", countJson(card.kvHeads)},
            {"head_dim", countJson(card.headDim)},
            {"intermediate_size", countJson(card.intermediateSize)},
            {"experts", countJson(card.experts)},
            {"experts_per_token", countJson(card.expertsPerToken)},
            {"shared_experts", countJson(card.sharedExperts)},
            {"moe_intermediate_size", countJson(card.moeIntermediateSize)},
            {"vocab_size", countJson(card.vocabSize)},
            {"max_position_embeddings", countJson(card.maxPositions)},
            {"sliding_window", countJson(card.slidingWindow)},
            {"kv_lora_rank", countJson(card.kvLoraRank)},
            {"qk_rope_head_dim", countJson(card.qkRopeHeadDim)},
            {"kv_cache_bytes_per_1000_tokens", countJson(kvCache)},
            {"kv_cache_formula", kvCache ? nlohmann::json(card.kvCacheFormula(1000)) : nlohmann::json(nullptr)},
            {"weights_bytes", model.totalTensorBytes()},
            {"weights_bytes_bf16", logicalParameters * 2},
            {"problems", std::move(problems)}};
}

// Bits of stored data per logical weight: 16 for a BF16 model, about 4.25 for int4 with g128 scales.
double effectiveBits(const Model& model, const QuantCatalog& catalog)
{
    return catalog.logicalParameters
               ? 8.0 * static_cast<double>(model.totalTensorBytes()) / static_cast<double>(catalog.logicalParameters)
               : 0.0;
}

nlohmann::json quantizedJson(const LogicalTensor& t)
{
    nlohmann::json parts = nlohmann::json::object();
    for (const auto& [role, name] : t.parts)
        parts[role] = name;
    nlohmann::json json{{"name", t.name},
                        {"scheme", quantSchemeName(t.scheme)},
                        {"bits", t.bits},
                        {"shape", t.shape},
                        {"parts", std::move(parts)}};
    if (!t.block.empty())
        json["block"] = t.block;
    else
        json["group_size"] = t.groupSize ? nlohmann::json(t.groupSize) : nlohmann::json(nullptr); // null: per channel
    return json;
}

std::vector<Warning> quantProblems(const QuantView& quant)
{
    std::vector<Warning> problems = quant.config.problems;
    problems.insert(problems.end(), quant.catalog.problems.begin(), quant.catalog.problems.end());
    return problems;
}

// Text output summarises quantized weights per badge: a 100,000-tensor model gives a few lines, not 100,000.
void printStored(QTextStream& out, const QuantCatalog& catalog, const ModelFacts& facts)
{
    out << "Stored      " << format::count(catalog.storedParameters) << " parameters, "
        << (facts.bitsPerWeight.isEmpty() ? QStringLiteral("0.00") : facts.bitsPerWeight)
        << " bits per logical weight\n";
}

void printQuant(QTextStream& out, const QuantView& quant)
{
    if (quant.catalog.tensors.empty())
        return;
    std::map<QString, std::pair<uint64_t, uint64_t>> byBadge; // badge -> tensors, logical parameters
    for (const LogicalTensor& t : quant.catalog.tensors) {
        auto& [count, parameters] = byBadge[QString::fromLatin1(quantSchemeName(t.scheme)) + u' ' + t.badge()];
        ++count;
        parameters += t.elementCount;
    }
    const auto parts =
        static_cast<uint64_t>(std::count(quant.catalog.storedPart.begin(), quant.catalog.storedPart.end(), true));
    out << "Quantized   " << format::count(quant.catalog.tensors.size())
        << (quant.catalog.tensors.size() == 1 ? " tensor (" : " tensors (") << format::count(parts)
        << " stored parts folded beneath them)\n";
    for (const auto& [badge, totals] : byBadge)
        out << "  " << badge.leftJustified(28) << format::count(totals.first).rightJustified(10) << " tensors "
            << format::count(totals.second).rightJustified(16) << " params\n";
}

QString countText(const std::optional<uint64_t>& value)
{
    return value ? format::count(*value) : QStringLiteral("-");
}

void printCard(QTextStream& out, const ModelCard& card, const ModelFacts& facts)
{
    out << "Config      " << card.path << '\n';
    for (const QString& problem : card.problems)
        out << "  problem: " << problem << '\n';
    QStringList architectures;
    for (const std::string& name : card.architectures)
        architectures << QString::fromStdString(name);
    out << "  architecture "
        << (architectures.isEmpty() ? QStringLiteral("-") : architectures.join(QStringLiteral(", "))) << " (model_type "
        << (card.modelType.empty() ? "-" : card.modelType.c_str()) << "), torch_dtype "
        << (card.torchDtype.empty() ? "-" : card.torchDtype.c_str()) << '\n'
        << "  hidden " << countText(card.hiddenSize) << ", layers " << countText(card.layers) << ", heads "
        << countText(card.attentionHeads) << ", KV heads " << countText(card.kvHeads) << ", head_dim "
        << countText(card.headDim) << ", intermediate " << countText(card.intermediateSize) << '\n';
    if (card.experts)
        out << "  experts " << countText(card.experts) << " (" << countText(card.expertsPerToken) << " per token, "
            << countText(card.sharedExperts) << " shared, intermediate " << countText(card.moeIntermediateSize)
            << ")\n";
    out << "  vocab " << countText(card.vocabSize) << ", context " << countText(card.maxPositions)
        << (card.slidingWindow ? QStringLiteral(", sliding window %1").arg(format::count(*card.slidingWindow))
                               : QString())
        << '\n';
    out << "Memory      " << facts.memory;
    if (card.kvCacheBytes(1000))
        out << " (" << QString::fromStdString(card.kvCacheFormula(1000)) << ')';
    out << '\n';
}

void printText(const Model& model, const std::map<std::string, DTypeTotals>& byDtype,
               const std::optional<ModelCard>& card, const std::vector<std::string>& architecture,
               const QuantView& quant)
{
    const ModelFacts facts = ModelFacts::of(model, quant.catalog.logicalParameters, card ? &*card : nullptr);
    TerminalStream out(stdout);
    out << "Path        " << model.path() << '\n'
        << "Source      " << sourceName(model.source()) << ", "
        << format::counted(model.shards().size(), u"file", u"files") << ", " << facts.fileSize << '\n';
    for (const Model::Shard& shard : model.shards()) {
        const Header& header = shard.file->header();
        out << "File        " << QFileInfo(shard.path).fileName()
            << (shard.component.isEmpty() ? QString() : QStringLiteral(" [%1]").arg(shard.component)) << ": "
            << format::count(header.fileSize) << " bytes, header " << format::count(header.headerLength)
            << " bytes (padding " << header.padding << "), data at " << header.dataStart << ", layout "
            << writerLayoutName(header.layout) << '\n';
    }
    out << "Tensors     " << format::count(model.tensorCount()) << '\n'
        << "Parameters  " << facts.parameters << " (logical)\n";
    printStored(out, quant.catalog, facts);
    for (const auto& [dtype, totals] : byDtype)
        out << "  " << QString::fromStdString(dtype).leftJustified(12)
            << format::count(totals.parameters).rightJustified(16) << " params "
            << format::bytes(totals.bytes).rightJustified(11) << "  in "
            << format::counted(totals.tensors, u"tensor", u"tensors") << '\n';
    printQuant(out, quant);
    if (model.metadataState() == MetadataState::Object) {
        out << "Metadata    " << format::counted(model.metadata().size(), u"key", u"keys") << '\n';
        for (const MetadataEntry& entry : model.metadata()) {
            QString value = QString::fromStdString(entry.value);
            if (value.size() > 100)
                value = value.left(97) + QStringLiteral("...");
            out << "  " << QString::fromStdString(entry.key) << " = "
                << value.replace(QLatin1Char('\n'), QLatin1Char(' ')) << '\n';
        }
    } else {
        out << "Metadata    " << (model.metadataState() == MetadataState::Null ? "null" : "none") << '\n';
    }
    if (card)
        printCard(out, *card, facts);
    for (size_t i = 0; i < architecture.size(); ++i)
        out << (i == 0 ? "Layout      " : "            ") << QString::fromStdString(architecture[i]) << '\n';

    int nameWidth = 4;
    for (size_t i = 0; i < model.tensorCount(); ++i)
        nameWidth = std::max(nameWidth, static_cast<int>(toQString(model.qualifiedName(i)).size()));
    nameWidth = std::min(nameWidth, 80);
    out << '\n'
        << QStringLiteral("NAME").leftJustified(nameWidth) << "  DTYPE       SHAPE                   PARAMS"
        << "          BYTES  DATA_OFFSETS\n";
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        const TensorInfo& tensor = model.tensor(i);
        out << toQString(model.qualifiedName(i)).leftJustified(nameWidth) << "  "
            << QString::fromStdString(dtypeText(tensor)).leftJustified(10) << "  "
            << format::shape(tensor.shape).leftJustified(20) << format::count(tensor.elementCount).rightJustified(10)
            << format::count(tensor.byteSize()).rightJustified(15) << "  [" << tensor.begin << ", " << tensor.end
            << "]\n";
    }
    if (!model.warnings().empty()) {
        out << "\nWarnings (" << model.warnings().size() << ")\n";
        for (const Warning& warning : model.warnings())
            out << "  " << warning.code << ": " << warning.message << '\n';
    }
    // Not errors (every file loads) but what a publisher must see: shards that disagree, files of interrupted saves.
    const std::vector<ShardMetadataDifference> differences = shardMetadataDifferences(model);
    const std::vector<Leftover> leftovers = findLeftovers(model);
    if (!differences.empty() || !leftovers.empty()) {
        out << "\nNotices\n";
        printNotices(out, differences, leftovers);
    }
    if (const std::vector<Warning> problems = quantProblems(quant); !problems.empty()) {
        out << "\nQuantization problems (" << problems.size() << ")\n";
        for (const Warning& warning : problems)
            out << "  warning: " << warning.code << ": " << warning.message << '\n';
    }
}

} // namespace

int runInfo(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Describe a checkpoint: files and header facts, every tensor (name, dtype, shape, "
                                    "parameters, bytes, offsets), parameter counts per dtype and the metadata.\n"
                                    "Opens leniently: unknown dtypes and duplicate names are listed as warnings."),
                     {QStringLiteral("PATH")},
                     {QStringLiteral("A .safetensors file, a *.safetensors.index.json, or a model folder.")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    auto opened = openModelArgument(line.positional(0), OpenMode::Lenient);
    if (!opened) {
        if (line.json())
            printJson(nlohmann::json{{"error", errorJson(opened.error())}});
        printError(opened.error());
        return exitCodeFor(opened.error());
    }
    const Model& model = **opened;
    std::map<std::string, DTypeTotals> byDtype;
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        const TensorInfo& tensor = model.tensor(i);
        DTypeTotals& totals = byDtype[dtypeText(tensor)];
        totals.parameters += tensor.elementCount;
        totals.bytes += tensor.byteSize();
        ++totals.tensors;
    }
    const QuantView quant = quantViewOf(model);
    // A remote model's config.json came with its quantization configs (read from beside its weights).
    const std::optional<ModelCard> card = isRemoteModel(model) ? quant.remoteCard : readModelCard(model.path());
    const std::vector<std::string> architecture = architectureSummary(model);
    if (!line.json()) {
        printText(model, byDtype, card, architecture, quant);
        return ExitOk;
    }

    nlohmann::json files = nlohmann::json::array();
    for (const Model::Shard& shard : model.shards()) {
        const Header& header = shard.file->header();
        files.push_back({{"path", toStd(shard.path)},
                         {"component", toStd(shard.component)},
                         {"file_size", header.fileSize},
                         {"header_length", header.headerLength},
                         {"padding", header.padding},
                         {"data_start", header.dataStart},
                         {"layout", writerLayoutName(header.layout)},
                         {"tensors", header.tensors.size()}});
        // A remote file's published SHA-256 (the Hub's LFS oid): only for remote files, so local output is unchanged.
        if (const ByteSource* source = shard.file->byteSource(); source && !source->sha256().isEmpty())
            files.back()["sha256"] = source->sha256().toStdString();
    }
    nlohmann::json parametersByDtype = nlohmann::json::object();
    nlohmann::json bytesByDtype = nlohmann::json::object();
    for (const auto& [dtype, totals] : byDtype) {
        parametersByDtype[dtype] = totals.parameters;
        bytesByDtype[dtype] = totals.bytes;
    }
    nlohmann::json warnings = nlohmann::json::array();
    for (const Warning& warning : model.warnings())
        warnings.push_back(warningJson(warning));

    // Streamed, not built: a DOM of a million tensors took 1.7 GB (issue 15, defect 7). The members come in the
    // order nlohmann::json printed them (sorted keys), so the text is what it was.
    JsonStream out;
    if (!architecture.empty()) // only when a layer stack was recognised, so plain files print as before
        out.member("architecture", architecture);
    out.member("bytes_by_dtype", bytesByDtype);
    if (card)
        out.member("config", configJson(*card, model, quant.catalog.logicalParameters));
    out.member("effective_bits_per_weight", effectiveBits(model, quant.catalog));
    out.member("files", files);
    out.member("leftovers", leftoversJson(findLeftovers(model)));
    out.member("metadata", metadataJson(model));
    out.member("metadata_disagreements", disagreementsJson(shardMetadataDifferences(model)));
    out.member("parameters", quant.catalog.logicalParameters);
    out.member("parameters_by_dtype", parametersByDtype);
    out.member("path", toStd(model.path()));
    nlohmann::json problems = nlohmann::json::array();
    for (const Warning& warning : quantProblems(quant))
        problems.push_back(warningJson(warning));
    out.member("quant_problems", problems);
    out.beginArray("quantized"); // streamed like the tensors: a quantized MoE has ~100,000 of them
    for (const LogicalTensor& t : quant.catalog.tensors)
        out.element(quantizedJson(t));
    out.endArray();
    out.member("source", sourceName(model.source()));
    out.member("stored_parameters", quant.catalog.storedParameters);
    out.member("tensor_bytes", model.totalTensorBytes());
    out.beginArray("tensors");
    std::vector<std::string> fileNames; // per shard, not per tensor
    for (const Model::Shard& shard : model.shards())
        fileNames.push_back(toStd(QFileInfo(shard.path).fileName()));
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        const TensorInfo& tensor = model.tensor(i);
        out.element({{"name", model.qualifiedName(i)},
                     {"dtype", dtypeText(tensor)},
                     {"shape", tensor.shape},
                     {"data_offsets", {tensor.begin, tensor.end}},
                     {"parameters", tensor.elementCount},
                     {"bytes", tensor.byteSize()},
                     {"offset", model.absoluteOffset(i)},
                     {"file", fileNames[model.shardIndexOf(i)]}});
    }
    out.endArray();
    out.member("warnings", warnings);
    out.finish();
    return ExitOk;
}

} // namespace safescope::cli
