// safescope-cli validate: strict validation of a file, or of every shard of an index or folder.
#include "commandline.h"
#include "commands.h"
#include "core/format/model.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/text/format.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "savenotices.h"
#include "terminalstream.h"

#include <QRegularExpression>

#include <atomic>
#include <thread>
#include <vector>

namespace safescope::cli {

namespace {

/// A shard held to the strict rules: reopened from disk, or from its URL when it is remote.
Status openStrict(const Model::Shard& shard)
{
    if (shard.file->byteSource()) {
        auto model = openModelArgument(shard.path, OpenMode::Strict);
        return model ? Status(Ok{}) : Status(model.error());
    }
    auto file = SafetensorsFile::open(shard.path, OpenMode::Strict);
    return file ? Status(Ok{}) : Status(file.error());
}

} // namespace

int runValidate(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Validate a checkpoint strictly, with the reference loader's rules and error "
                                    "kinds.\nFor an index or folder, every shard is validated and the index is "
                                    "checked against the shards."),
                     {QStringLiteral("PATH")},
                     {QStringLiteral("A .safetensors file, a *.safetensors.index.json, or a model folder.")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    const QString path = line.positional(0);

    std::optional<Error> error;
    std::vector<Warning> warnings;
    std::vector<ShardMetadataDifference> differences;
    std::optional<size_t> tensorCount;
    std::optional<std::vector<Leftover>> leftovers; // from the opened model when there is one: no second index read
    static const QRegularExpression indexName(QStringLiteral("\\.safetensors\\.index.*\\.json$"));
    // Asked by the bytes of the name: QFileInfo would miss a file whose name is not UTF-8.
    const auto status = pathStatus(path);
    const bool regularFile = status && status->kind == platform::FileKind::Regular;
    if (regularFile && !indexName.match(path).hasMatch()) {
        if (auto file = SafetensorsFile::open(path, OpenMode::Strict))
            tensorCount = (*file)->header().tensors.size();
        else
            error = file.error();
    } else if (auto strictModel = openModelArgument(path, OpenMode::Strict);
               strictModel && (*strictModel)->warnings().empty()) {
        // Every shard passed the strict rules and agrees with the index: valid, after one read of each header. A
        // strict open only drops what a lenient one warns about (unknown dtypes, repeated names), so nothing is lost.
        tensorCount = (*strictModel)->tensorCount();
        differences = shardMetadataDifferences(**strictModel);
        leftovers = findLeftovers(**strictModel);
    } else if (auto model = openModelArgument(path, OpenMode::Lenient)) {
        // The lenient open finds the shards and the sharding problems; each shard is then held to the strict rules.
        tensorCount = (*model)->tensorCount();
        warnings = (*model)->warnings();
        differences = shardMetadataDifferences(**model);
        leftovers = findLeftovers(**model);
        // On every core (163 shards of DeepSeek-V3 are 8 MB of headers); the first failing shard in order is reported.
        const std::vector<Model::Shard>& shards = (*model)->shards();
        std::vector<std::optional<Error>> failures(shards.size());
        std::atomic_size_t next = 0;
        const auto work = [&] {
            for (size_t i = next++; i < shards.size(); i = next++)
                if (auto strict = openStrict(shards[i]); !strict)
                    failures[i] = strict.error();
        };
        std::vector<std::thread> threads;
        for (unsigned i = 1; i < std::thread::hardware_concurrency() && i * 8 < shards.size(); ++i)
            threads.emplace_back(work);
        work();
        for (std::thread& thread : threads)
            thread.join();
        for (std::optional<Error>& failure : failures) {
            if (failure) {
                error = std::move(failure);
                break;
            }
        }
    } else {
        error = model.error();
    }
    const bool valid = !error && warnings.empty();
    // Reported as warnings, not as invalid: every file still loads. Shards whose metadata disagree and files left by
    // interrupted saves are problems to see and fix (issue 15), not a broken checkpoint; exit code unchanged.
    if (!leftovers)
        leftovers = findLeftovers(path);

    if (line.json()) {
        nlohmann::json report{{"valid", valid}, {"path", toStd(path)}, {"error", nullptr}};
        if (error)
            report["error"] = errorJson(*error);
        nlohmann::json list = nlohmann::json::array();
        for (const Warning& warning : warnings)
            list.push_back(warningJson(warning));
        report["warnings"] = std::move(list);
        if (tensorCount)
            report["tensors"] = *tensorCount;
        report["metadata_disagreements"] = disagreementsJson(differences);
        report["leftovers"] = leftoversJson(*leftovers);
        printJson(report);
    } else {
        TerminalStream out(stdout);
        if (valid) {
            out << "valid: " << path << " (" << format::count(tensorCount.value_or(0)) << " tensors)\n";
        } else {
            out << "INVALID: " << path << '\n';
            if (error)
                out << "  " << errorKindName(error->kind) << ": " << error->message << '\n'
                    << (error->path != path ? QStringLiteral("  in %1\n").arg(error->path) : QString());
            for (const Warning& warning : warnings)
                out << "  " << warning.code << ": " << warning.message << '\n';
        }
        printNotices(out, differences, *leftovers);
    }
    if (error && exitCodeFor(*error) == ExitUsage)
        return ExitUsage;
    return valid ? ExitOk : ExitInvalid;
}

} // namespace safescope::cli
