// safescope-cli meta: print the __metadata__ of checkpoints, or edit it (in place when the new header fits), one
// model or a batch of them with the same edit.
#include "commandline.h"
#include "commands.h"
#include "core/edit/leftovers.h"
#include "core/edit/metadatarules.h"
#include "core/edit/metadatasaver.h"
#include "core/edit/recoveryrecord.h"
#include "core/edit/remotesaveas.h"
#include "core/edit/remoteshardsaveas.h"
#include "core/edit/shardjournal.h"
#include "core/edit/shardmetadataagreement.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/format/shardindex.h"
#include "core/format/utf8.h"
#include "core/publish/metadatatemplate.h"
#include "core/publish/trainingdata.h"
#include "core/remote/location.h"
#include "core/remote/remotetextfile.h"
#include "core/text/format.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "metaplan.h"
#include "metatargets.h"
#include "modelargument.h"
#include "savenotices.h"
#include "terminalstream.h"

#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace safescope::cli {

namespace {

nlohmann::json metadataJson(MetadataState state, const std::vector<MetadataEntry>& entries)
{
    if (state != MetadataState::Object)
        return nullptr;
    nlohmann::json object = nlohmann::json::object();
    for (const MetadataEntry& entry : entries)
        object[entry.key] = entry.value;
    return object;
}

nlohmann::json keysJson(const std::vector<MetadataEntry>& entries)
{
    nlohmann::json keys = nlohmann::json::array();
    for (const MetadataEntry& entry : entries)
        keys.push_back(entry.key);
    return keys;
}

std::optional<QString> splitAssignment(const QString& text, QString& key, QString& value)
{
    const qsizetype equals = text.indexOf(QLatin1Char('='));
    if (equals <= 0)
        return QStringLiteral("'%1' is not KEY=VALUE").arg(text);
    key = text.left(equals);
    value = text.mid(equals + 1);
    return std::nullopt;
}

// Builds the edit from the options; a message when an option is unusable.
std::optional<QString> buildEdit(const CommandLine& line, MetadataEdit& edit)
{
    edit.clear = line.isSet(QStringLiteral("clear"));
    for (const QString& key : line.values(QStringLiteral("unset")))
        edit.unset.push_back(key.toStdString());
    for (const QString& assignment : line.values(QStringLiteral("set"))) {
        QString key, value;
        if (auto problem = splitAssignment(assignment, key, value))
            return problem;
        edit.set.push_back({key.toStdString(), value.toStdString()});
    }
    for (const QString& assignment : line.values(QStringLiteral("set-file"))) {
        QString key, fileName;
        if (auto problem = splitAssignment(assignment, key, fileName))
            return problem;
        QFile file(fileName);
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read '%1': %2").arg(fileName, file.errorString());
        const QByteArray bytes = file.readAll();
        if (findInvalidUtf8(reinterpret_cast<const unsigned char*>(bytes.constData()),
                            static_cast<size_t>(bytes.size())))
            return QStringLiteral("'%1' is not UTF-8 text; metadata values are strings").arg(fileName);
        edit.set.push_back({key.toStdString(), bytes.toStdString()});
    }
    return std::nullopt;
}

int fail(const CommandLine& line, const Error& error)
{
    if (line.json())
        printJson(nlohmann::json{{"error", errorJson(error)}});
    printError(error);
    return exitCodeFor(error);
}

// Leftovers of interrupted saves (recovery records, temporary files): resolve them when asked (`action`), saying
// exactly what was done; otherwise say what is there and how to resolve it (an edit of that file would be refused).
std::optional<Error> handleRecovery(const QString& action, const QStringList& files)
{
    TerminalStream err(stderr);
    for (const QString& path : files) {
        const RecoveryInfo info = inspectRecovery(path);
        if (!info.needsAttention())
            continue;
        if (action.isEmpty()) {
            err << "safescope-cli: warning: " << info.describe() << "; run safescope-cli meta '" << path
                << (info.state == RecoveryState::NewHeaderIntact ? "' --recover restore (or discard)\n"
                    : info.state == RecoveryState::HeaderTorn    ? "' --recover restore\n"
                                                                 : "' --recover discard\n");
            continue;
        }
        auto done = resolveRecovery(path, action == QLatin1String("restore") ? RecoveryAction::Restore
                                                                             : RecoveryAction::Discard);
        if (!done)
            return done.error();
        if (!done->isEmpty())
            err << "safescope-cli: " << *done << '\n';
    }
    return std::nullopt;
}

// Every key once; a key the shards disagree on is printed with every shard's value (not shard 1's alone).
void printMetadataText(const Model& model, const std::vector<ShardMetadataDifference>& differences)
{
    TerminalStream out(stdout);
    if (model.metadataState() != MetadataState::Object && differences.empty()) {
        out << "(no __metadata__)\n";
        return;
    }
    std::vector<std::string> keys;
    for (const Model::Shard& shard : model.shards()) {
        for (const MetadataEntry& entry : shard.file->header().metadata) {
            if (std::find(keys.begin(), keys.end(), entry.key) == keys.end())
                keys.push_back(entry.key);
        }
        if (differences.empty())
            break; // they agree: the first shard holds every key
    }
    for (const std::string& key : keys) {
        const QString name = QString::fromStdString(key);
        const auto differs = std::find_if(differences.begin(), differences.end(),
                                          [&](const ShardMetadataDifference& d) { return d.key == key; });
        if (differs == differences.end()) {
            for (const MetadataEntry& entry : model.metadata()) {
                if (entry.key == key)
                    out << name << " = " << QString::fromStdString(entry.value) << '\n';
            }
            continue;
        }
        out << name << " = (differs between shards)\n";
        for (size_t i = 0; i < differs->values.size(); ++i)
            out << "    " << QFileInfo(differs->shards.value(static_cast<qsizetype>(i))).fileName() << ": "
                << (differs->values[i] ? QString::fromStdString(*differs->values[i]) : QStringLiteral("(missing)"))
                << '\n';
    }
}

// Everything the edit options ask for, as one edit: --clear, then removals (--unset, --strip-training-data), then
// additions (--set, --set-file, --apply), so a template can put back a key the strip removed.
std::optional<QString> buildFullEdit(const CommandLine& line, MetadataEdit& edit)
{
    if (auto problem = buildEdit(line, edit))
        return problem;
    if (line.isSet(QStringLiteral("strip-training-data"))) {
        for (const std::string& key : trainingDataKeys())
            edit.unset.push_back(key);
    }
    for (const QString& templatePath : line.values(QStringLiteral("apply"))) {
        auto loaded = MetadataTemplate::read(templatePath);
        if (!loaded)
            return loaded.error().message;
        for (const MetadataEntry& entry : loaded->entries)
            edit.set.push_back(entry);
    }
    return std::nullopt;
}

// What became of one model of the batch.
struct TargetOutcome
{
    QString target;
    std::vector<MetadataSaveResult> saved;
    std::vector<PlannedSave> planned;
    std::optional<Error> error;
};

// Before a model is read: an edit of several shards interrupted by a crash is completed, so that every shard agrees
// again, and leftovers of interrupted saves are resolved or reported. A dry run writes nothing, so it only reports.
std::optional<Error> prepareTarget(const QString& target, const QString& recoverAction, bool dryRun)
{
    if (dryRun)
        return handleRecovery(QString(), modelFilesWithoutParsing(target));
    auto completed = completeInterruptedTransactions(target);
    if (!completed)
        return completed.error();
    for (const TransactionOutcome& done : *completed)
        TerminalStream(stderr) << "safescope-cli: " << done.describe() << '\n';
    return handleRecovery(recoverAction, modelFilesWithoutParsing(target));
}

// A remote model's edit goes to the local file --output names (runMeta refuses it without one): its header with the
// edit, its data streamed from the server; the remote file is only read.
TargetOutcome editRemoteTarget(const QString& target, const MetadataEdit& edit, const MetadataSaveOptions& options,
                               bool dryRun)
{
    TargetOutcome outcome{target, {}, {}, std::nullopt};
    auto opened = openModelArgument(target, OpenMode::Strict);
    if (!opened) {
        outcome.error = opened.error();
        return outcome;
    }
    const Model& model = **opened;
    if (dryRun) {
        outcome.error = makeError(
            ErrorKind::InvalidArgument,
            QStringLiteral("%1 is remote: --dry-run is not supported for it; a save writes --output only").arg(target),
            target);
        return outcome;
    }
    if (model.shards().size() != 1) {
        // A sharded model: --output is a folder that receives every shard and the index, all or none of them.
        QByteArray index;
        if (!model.indexPath().isEmpty()) {
            auto fetched = fetchRemoteTextFile(model.indexPath(), options.cancel);
            if (!fetched) {
                outcome.error = fetched.error();
                return outcome;
            }
            index = std::move(*fetched);
        }
        auto saved = saveRemoteShardsAs(model, edit, options.outputPath, index, std::nullopt, options);
        if (!saved)
            outcome.error = saved.error();
        else
            outcome.saved = std::move(*saved);
        return outcome;
    }
    if (lacksFormatKey(edit.apply(model.metadata())))
        TerminalStream(stderr) << "safescope-cli: warning: " << model.path()
                               << ": the metadata has no \"format\" key; transformers refuses a single-file "
                                  "checkpoint without it\n";
    auto saved = saveRemoteFileAs(*model.shards().front().file, edit, options.outputPath, options);
    if (!saved)
        outcome.error = saved.error();
    else
        outcome.saved.push_back(std::move(*saved));
    return outcome;
}

// Opens one model and saves the edit to it, or with --dry-run only plans the save.
TargetOutcome editTarget(const QString& target, const MetadataEdit& edit, MetadataSaveOptions options,
                         const QString& recoverAction, bool dryRun)
{
    TargetOutcome outcome{target, {}, {}, std::nullopt};
    if (isRemoteLocation(target))
        return editRemoteTarget(target, edit, options, dryRun);
    if (auto failed = prepareTarget(target, recoverAction, dryRun)) {
        outcome.error = *failed;
        return outcome;
    }
    auto opened = openModelArgument(target, OpenMode::Strict);
    if (!opened) {
        outcome.error = opened.error();
        return outcome;
    }
    std::shared_ptr<const Model> model = *opened;
    if (model->shards().size() == 1 && lacksFormatKey(edit.apply(model->metadata())))
        TerminalStream(stderr) << "safescope-cli: warning: " << model->path()
                               << ": the metadata has no \"format\" key; transformers refuses a single-file "
                                  "checkpoint without it\n";
    if (dryRun) {
        outcome.planned = planSaves(*model, edit, options);
        return outcome;
    }
    // The header each shard is edited from must be the one read here: a change by another program in between is
    // refused (FileChanged) instead of being overwritten.
    for (const Model::Shard& shard : model->shards())
        options.expectedShards.push_back(shard.file->identity());
    auto saved = saveMetadataEditAllShards(*model, edit, options);
    model.reset();
    if (!saved)
        outcome.error = saved.error();
    else
        outcome.saved = std::move(*saved);
    return outcome;
}

nlohmann::json savedJson(const MetadataSaveResult& result)
{
    const Header& header = result.file->header();
    return {{"path", toStd(result.path)},
            {"method", saveMethodName(result.method)},
            {"old_header_length", result.oldHeaderLength},
            {"new_header_length", result.newHeaderLength},
            {"bytes_written", result.bytesWritten},
            {"metadata", metadataJson(header.metadataState, header.metadata)},
            {"keys", keysJson(header.metadata)}};
}

void printOutcomeText(const TargetOutcome& outcome)
{
    TerminalStream out(stdout);
    for (const MetadataSaveResult& result : outcome.saved)
        out << saveMethodName(result.method) << ": " << result.path << " (header "
            << format::count(result.oldHeaderLength) << " -> " << format::count(result.newHeaderLength) << " bytes, "
            << format::count(result.bytesWritten) << " bytes written)\n";
    for (const PlannedSave& plan : outcome.planned)
        out << describePlan(plan) << '\n';
}

int printMetadata(const CommandLine& line, const QStringList& targets, const QString& recoverAction, bool dryRun)
{
    nlohmann::json models = nlohmann::json::array();
    std::optional<Error> firstFailure;
    for (const QString& target : targets) {
        std::optional<Error> failed = prepareTarget(target, recoverAction, dryRun);
        Result<std::shared_ptr<const Model>> opened =
            failed ? Result<std::shared_ptr<const Model>>(*failed) : openModelArgument(target, OpenMode::Strict);
        if (!opened) {
            if (targets.size() == 1)
                return fail(line, opened.error());
            printError(opened.error());
            if (!firstFailure)
                firstFailure = opened.error();
            models.push_back({{"path", toStd(target)}, {"error", errorJson(opened.error())}});
            continue;
        }
        const Model& model = **opened;
        const std::vector<ShardMetadataDifference> differences = shardMetadataDifferences(model);
        // "metadata" stays the first shard's (what loaders read); "disagreements" lists every shard's value of each
        // key the shards do not agree on.
        nlohmann::json object{{"path", toStd(model.path())},
                              {"metadata", metadataJson(model.metadataState(), model.metadata())},
                              {"keys", keysJson(model.metadata())},
                              {"disagreements", disagreementsJson(differences)}};
        if (line.json()) {
            if (targets.size() == 1)
                printJson(object);
            else
                models.push_back(std::move(object));
            continue;
        }
        if (targets.size() > 1)
            TerminalStream(stdout) << "==> " << model.path() << " <==\n";
        printMetadataText(model, differences);
    }
    if (line.json() && targets.size() > 1)
        printJson({{"models", std::move(models)}});
    return firstFailure ? exitCodeFor(*firstFailure) : ExitOk;
}

} // namespace

int runMeta(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Print or edit the __metadata__ of one checkpoint or many.\n"
                                    "Without edit options, prints the metadata. With edits, saves in place when the "
                                    "new header fits in the old one (only the header bytes are written, crash-safely), "
                                    "otherwise rewrites the file through a temporary file renamed over it. A sharded "
                                    "checkpoint gets the same edit in every shard, as one transaction. Given several "
                                    "paths, the same edit is applied to each; one that fails does not stop the "
                                    "others, and the exit code is then that failure's."),
                     {QStringLiteral("PATH...")},
                     {QStringLiteral("A .safetensors file, a *.safetensors.index.json, or a model folder (each folder "
                                     "one model unless --recursive).")});
    QCommandLineParser& parser = line.parser();
    parser.addOption({QStringLiteral("set"), QStringLiteral("Add or replace a key."), QStringLiteral("KEY=VALUE")});
    parser.addOption({QStringLiteral("set-file"), QStringLiteral("Add or replace a key with a file's text."),
                      QStringLiteral("KEY=FILE")});
    parser.addOption({QStringLiteral("unset"), QStringLiteral("Remove a key."), QStringLiteral("KEY")});
    parser.addOption(
        {QStringLiteral("clear"), QStringLiteral("Remove every key first (no keys left: no __metadata__).")});
    parser.addOption({QStringLiteral("strip-training-data"),
                      QStringLiteral("Remove what kohya sd-scripts recorded of the training data: ss_tag_frequency, "
                                     "ss_dataset_dirs, ss_reg_dataset_dirs, ss_datasets, ss_sd_model_name, "
                                     "ss_vae_name, ss_training_comment.")});
    parser.addOption({QStringLiteral("apply"),
                      QStringLiteral("Set every key of a metadata template (a JSON object of string values)."),
                      QStringLiteral("TEMPLATE")});
    parser.addOption({QStringLiteral("dry-run"), QStringLiteral("Print what each save would do; write nothing.")});
    parser.addOption({QStringLiteral("recursive"),
                      QStringLiteral("Walk folders: each index found is one model, each other .safetensors file one "
                                     "model.")});
    parser.addOption({QStringLiteral("reserve"),
                      QStringLiteral("When rewriting, pad the header with this many extra bytes so later edits fit in "
                                     "place (e.g. 4096)."),
                      QStringLiteral("BYTES")});
    parser.addOption({QStringLiteral("rewrite"), QStringLiteral("Rewrite the file even when the edit fits in place.")});
    parser.addOption({{QStringLiteral("o"), QStringLiteral("output")},
                      QStringLiteral("Save as a new file instead of over PATH (single files only). Required for a "
                                     "remote model (https://, hf://): its data is streamed from the server; for a "
                                     "sharded remote model OUT is a folder that receives every shard and the index."),
                      QStringLiteral("OUT")});
    parser.addOption({QStringLiteral("recover"),
                      QStringLiteral("Resolve an interrupted earlier save: 'restore' the old header or 'discard' the "
                                     "recovery record."),
                      QStringLiteral("ACTION")});
    if (const auto exit = line.parse(arguments))
        return *exit;

    const QString recoverAction = line.value(QStringLiteral("recover"));
    if (!recoverAction.isEmpty() && recoverAction != QLatin1String("restore") &&
        recoverAction != QLatin1String("discard"))
        return line.usageError(QStringLiteral("--recover takes 'restore' or 'discard'"));
    MetadataEdit edit;
    if (auto problem = buildFullEdit(line, edit))
        return line.usageError(*problem);
    MetadataSaveOptions options;
    options.hooks = crashHooksFromEnvironment();
    options.forceRewrite = line.isSet(QStringLiteral("rewrite"));
    options.outputPath = line.value(QStringLiteral("output"));
    if (line.isSet(QStringLiteral("reserve"))) {
        bool ok = false;
        options.reserveBytes = line.value(QStringLiteral("reserve")).toULongLong(&ok);
        if (!ok)
            return line.usageError(QStringLiteral("--reserve takes a byte count"));
    }
    const bool editing = !edit.isEmpty() || !options.outputPath.isEmpty() || options.forceRewrite;
    for (const QString& target : parser.positionalArguments()) {
        if (!editing || !isRemoteLocation(target) || !options.outputPath.isEmpty())
            continue;
        // A remote model is never saved where it lives: its edits go to the local file --output names.
        return fail(line, makeError(ErrorKind::InvalidArgument,
                                    QStringLiteral("%1 is remote and cannot be saved in place; give --output FILE to "
                                                   "write a local copy with the edit")
                                        .arg(target),
                                    target));
    }
    auto targets = metaTargets(parser.positionalArguments(), line.isSet(QStringLiteral("recursive")));
    if (!targets)
        return fail(line, targets.error());
    if (targets->size() > 1 && !options.outputPath.isEmpty())
        return line.usageError(QStringLiteral("--output takes one model, not %1").arg(targets->size()));
    const bool dryRun = line.isSet(QStringLiteral("dry-run"));

    if (edit.isEmpty() && options.outputPath.isEmpty() && !options.forceRewrite)
        return printMetadata(line, *targets, recoverAction, dryRun);

    if (!edit.set.empty()) {
        std::vector<MetadataEntry> check = edit.set;
        if (Status valid = validateMetadata(check); !valid)
            return fail(line, valid.error());
    }

    nlohmann::json files = nlohmann::json::array();
    nlohmann::json failed = nlohmann::json::array();
    std::optional<Error> firstFailure;
    int succeeded = 0;
    for (const QString& target : *targets) {
        const TargetOutcome outcome = editTarget(target, edit, options, recoverAction, dryRun);
        if (outcome.error) {
            // One model alone reports as meta always has; in a batch the others are still edited.
            if (targets->size() == 1)
                return fail(line, *outcome.error);
            printError(*outcome.error);
            failed.push_back({{"path", toStd(target)}, {"error", errorJson(*outcome.error)}});
            if (!firstFailure)
                firstFailure = outcome.error;
            continue;
        }
        ++succeeded;
        if (!line.json()) {
            printOutcomeText(outcome);
            continue;
        }
        for (const MetadataSaveResult& result : outcome.saved)
            files.push_back(savedJson(result));
        for (const PlannedSave& plan : outcome.planned)
            files.push_back(planJson(plan));
    }
    if (line.json()) {
        nlohmann::json report{{"files", std::move(files)}};
        if (targets->size() > 1 || dryRun) {
            report["failed"] = std::move(failed);
            report["dry_run"] = dryRun;
        }
        printJson(report);
    } else if (targets->size() > 1) {
        TerminalStream(stdout) << (dryRun ? "dry run: " : "") << succeeded << " of " << targets->size()
                               << (dryRun ? " models would be edited" : " models edited")
                               << (firstFailure ? QStringLiteral(", %1 failed").arg(targets->size() - succeeded)
                                                : QString())
                               << '\n';
    }
    return firstFailure ? exitCodeFor(*firstFailure) : ExitOk;
}

} // namespace safescope::cli
