// safescope-cli export: a subset of a checkpoint's tensors, renamed, converted and sharded, into new files.
#include "commandline.h"
#include "commands.h"
#include "core/export/exporter.h"
#include "core/format/model.h"
#include "core/remote/tensorbytes.h"
#include "core/text/format.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "quantlookup.h"
#include "terminalstream.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <memory>

namespace safescope::cli {

namespace {

int fail(const CommandLine& line, const Error& error)
{
    if (line.json())
        printJson(nlohmann::json{{"error", errorJson(error)}});
    printError(error);
    return exitCodeFor(error);
}

nlohmann::json impactJson(const ConversionImpact& impact)
{
    return {{"values", impact.values},
            {"overflow_to_inf", impact.overflowToInf},
            {"saturated", impact.saturated},
            {"underflow_to_zero", impact.underflowToZero},
            {"nan", impact.nanValues},
            {"max_abs_error", impact.maxAbsError},
            {"max_rel_error", impact.maxRelError}};
}

void printImpact(QTextStream& out, DType target, const ConversionImpact& impact)
{
    out << "Conversion to " << QLatin1StringView(dtypeName(target)) << ": " << format::count(impact.values)
        << " values, " << format::count(impact.overflowToInf) << " overflow to inf, " << format::count(impact.saturated)
        << " saturate, " << format::count(impact.underflowToZero) << " underflow to 0, max abs error "
        << impact.maxAbsError << ", max rel error " << impact.maxRelError << '\n';
}

// Fills the options from the command line; a message when an option is unusable.
std::optional<QString> readOptions(const CommandLine& line, ExportOptions& options)
{
    options.outputPath = line.value(QStringLiteral("output"));
    if (options.outputPath.isEmpty())
        return QStringLiteral("-o OUT is required");
    options.selection.include = line.values(QStringLiteral("include"));
    options.selection.exclude = line.values(QStringLiteral("exclude"));
    for (const QString& prefix : line.values(QStringLiteral("strip-prefix")))
        options.renames.push_back(RenameRule::stripPrefix(prefix));
    for (const QString& rule : line.values(QStringLiteral("rename"))) {
        auto parsed = RenameRule::parseSubstitution(rule);
        if (!parsed)
            return parsed.error().message;
        options.renames.push_back(std::move(*parsed));
    }
    for (const QString& prefix : line.values(QStringLiteral("add-prefix")))
        options.renames.push_back(RenameRule::addPrefix(prefix));
    if (line.isSet(QStringLiteral("dtype"))) {
        const auto dtype = dtypeFromName(line.value(QStringLiteral("dtype")).toStdString());
        if (!dtype || !isConvertible(DType::F32, *dtype))
            return QStringLiteral("--dtype takes BF16, F16, F32, F8_E4M3 or F8_E5M2");
        options.targetDtype = *dtype;
    }
    if (line.isSet(QStringLiteral("max-shard-size"))) {
        const auto size = parseByteSize(line.value(QStringLiteral("max-shard-size")));
        if (!size)
            return QStringLiteral("--max-shard-size takes a size such as 5GB, 500MB or 2GiB");
        options.maxShardSize = *size;
    }
    if (line.isSet(QStringLiteral("keep-metadata")) && line.isSet(QStringLiteral("no-metadata")))
        return QStringLiteral("--keep-metadata and --no-metadata exclude each other");
    if (line.isSet(QStringLiteral("no-metadata")))
        options.metadataPolicy = MetadataPolicy::Drop;
    if (line.isSet(QStringLiteral("reserve"))) {
        bool ok = false;
        options.reserveBytes = line.value(QStringLiteral("reserve")).toULongLong(&ok);
        if (!ok)
            return QStringLiteral("--reserve takes a byte count");
    }
    options.hooks = crashHooksFromEnvironment();
    return std::nullopt;
}

} // namespace

int runExport(const QStringList& arguments)
{
    CommandLine line(
        QStringLiteral("Export a subset of a checkpoint's tensors into a new file or shards.\n"
                       "Tensors are chosen by --include/--exclude regular expressions (matched anywhere "
                       "in the name), renamed by the rules in order (strip prefix, s/REGEX/REPL/, add "
                       "prefix), optionally converted, and written with the reference layout. Nothing "
                       "appears under the final names until every file is complete and validated."),
        {QStringLiteral("PATH")},
        {QStringLiteral("A .safetensors file, a *.safetensors.index.json, a model folder, or a remote location "
                        "(https:// URL, hf://OWNER/REPO[@REV][/PATH]); the output is always local.")});
    QCommandLineParser& parser = line.parser();
    parser.addOption({{QStringLiteral("o"), QStringLiteral("output")},
                      QStringLiteral("Output .safetensors file, or a folder for shards (model-00001-of-0000N)."),
                      QStringLiteral("OUT")});
    parser.addOption({QStringLiteral("include"), QStringLiteral("Keep tensors whose name matches (repeatable)."),
                      QStringLiteral("REGEX")});
    parser.addOption({QStringLiteral("exclude"), QStringLiteral("Drop tensors whose name matches (repeatable)."),
                      QStringLiteral("REGEX")});
    parser.addOption({QStringLiteral("rename"),
                      QStringLiteral("Rename with s/REGEX/REPL/[gi]; \\1 and & refer to the match (repeatable)."),
                      QStringLiteral("RULE")});
    parser.addOption(
        {QStringLiteral("strip-prefix"), QStringLiteral("Remove this prefix from names."), QStringLiteral("PREFIX")});
    parser.addOption(
        {QStringLiteral("add-prefix"), QStringLiteral("Prepend this prefix to names."), QStringLiteral("PREFIX")});
    parser.addOption({QStringLiteral("dtype"),
                      QStringLiteral("Convert F32/F16/BF16 tensors to BF16, F16, F32, F8_E4M3 or F8_E5M2 (others "
                                     "are kept); quantized weights are dequantized and written under their logical "
                                     "names, their stored parts dropped; prints the impact first."),
                      QStringLiteral("DTYPE")});
    parser.addOption({QStringLiteral("max-shard-size"),
                      QStringLiteral("Split into shards of at most this many tensor bytes (5GB, 500MB, 2GiB)."),
                      QStringLiteral("SIZE")});
    parser.addOption({QStringLiteral("keep-metadata"), QStringLiteral("Keep the source's __metadata__ (default).")});
    parser.addOption({QStringLiteral("no-metadata"), QStringLiteral("Write no __metadata__.")});
    parser.addOption({QStringLiteral("reserve"), QStringLiteral("Extra header bytes for later in-place edits."),
                      QStringLiteral("BYTES")});
    parser.addOption({QStringLiteral("dry-run"), QStringLiteral("Print the plan (and the conversion impact) only.")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    ExportOptions options;
    if (auto problem = readOptions(line, options))
        return line.usageError(*problem);

    // A remote model is read through its ByteSource (bounded chunks through the block cache); the output is local.
    auto opened = openModelArgument(line.positional(0), OpenMode::Lenient);
    if (!opened)
        return fail(line, opened.error());
    const Model& model = **opened;
    if (options.targetDtype) { // quantized weights are written dequantized, their stored parts dropped
        options.quantized = std::make_shared<const QuantCatalog>(quantViewOf(model).catalog);
        // A remote model's stored parts are fetched whole one logical tensor at a time (file-backed when large);
        // a local one's are its mappings (TensorBytes decides).
        options.partBytes = TensorBytes::parts(model);
    }
    auto plan = planExport(model, options);
    if (!plan)
        return fail(line, plan.error());

    const std::atomic_bool never{false};
    stopBeforeReadIfAsked();
    std::optional<ConversionPreview> preview;
    TerminalStream err(stderr);
    if (options.targetDtype) {
        auto computed = previewConversion(model, *plan, never);
        if (!computed)
            return fail(line, computed.error());
        preview = std::move(*computed);
        if (!line.json())
            printImpact(err, *options.targetDtype, preview->total);
    }
    if (!plan->dropped.empty() && !line.json()) {
        const auto dequantized =
            std::ranges::count_if(plan->tensors, [](const ExportTensor& t) { return t.logical.has_value(); });
        err << "safescope-cli: " << dequantized << " quantized weight(s) dequantized to "
            << QLatin1StringView(dtypeName(*options.targetDtype)) << ", " << plan->dropped.size()
            << " stored part(s) (codes, scales, zero points) dropped\n";
    }
    if (!plan->notConverted.empty() && !line.json())
        err << "safescope-cli: " << plan->notConverted.size() << " tensor(s) kept in their dtype (not F32/F16/BF16)\n";

    std::optional<ExportResult> result;
    if (!line.isSet(QStringLiteral("dry-run"))) {
        auto exported = runExport(model, *plan, options, never);
        if (!exported)
            return fail(line, exported.error());
        result = std::move(*exported);
    }

    if (line.json()) {
        nlohmann::json files = nlohmann::json::array();
        for (const QString& file : plan->files)
            files.push_back(toStd(file));
        nlohmann::json tensors = nlohmann::json::array();
        for (size_t i = 0; i < plan->tensors.size(); ++i) {
            const ExportTensor& tensor = plan->tensors[i];
            nlohmann::json entry{{"source", model.qualifiedName(tensor.source)},
                                 {"name", tensor.name},
                                 {"dtype", std::string(dtypeName(tensor.dtype))},
                                 {"bytes", tensor.byteSize},
                                 {"file", toStd(QFileInfo(plan->files[tensor.file]).fileName())}};
            if (preview && tensor.converted)
                entry["impact"] = impactJson(preview->perTensor[i]);
            if (tensor.logical) {
                entry["dequantized"] = true;
                entry["scheme"] = quantSchemeName(plan->quantized->tensors[*tensor.logical].scheme);
            }
            tensors.push_back(std::move(entry));
        }
        printJson(
            {{"files", std::move(files)},
             {"dropped", plan->dropped},
             {"index", plan->indexPath.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(toStd(plan->indexPath))},
             {"tensor_bytes", plan->totalBytes},
             {"bytes_written", result ? result->bytesWritten : 0},
             {"written", result.has_value()},
             {"impact", preview ? impactJson(preview->total) : nlohmann::json(nullptr)},
             {"tensors", std::move(tensors)}});
        return ExitOk;
    }
    TerminalStream out(stdout);
    out << (result ? "Exported " : "Would export ") << plan->tensors.size() << " tensor(s), "
        << format::bytes(plan->totalBytes) << " of tensor data, into " << plan->files.size() << " file(s):\n";
    for (const QString& file : plan->files)
        out << "  " << file << '\n';
    if (!plan->indexPath.isEmpty())
        out << "  " << plan->indexPath << '\n';
    return ExitOk;
}

} // namespace safescope::cli
