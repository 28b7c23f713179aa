// safescope-cli meta: print a checkpoint's __metadata__, or edit it (in place when the new header fits).
#include "commandline.h"
#include "commands.h"
#include "core/leftovers.h"
#include "core/metadatarules.h"
#include "core/metadatasaver.h"
#include "core/model.h"
#include "core/recoveryrecord.h"
#include "core/shardindex.h"
#include "core/shardjournal.h"
#include "core/shardmetadataagreement.h"
#include "core/utf8.h"
#include "crashhook.h"
#include "jsonoutput.h"
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

// Leftovers of interrupted saves (recovery records, temporary files): resolve them when asked, saying exactly what
// was done; otherwise say what is there and how to resolve it (an edit of that file would be refused).
std::optional<int> handleRecovery(const CommandLine& line, const QStringList& files)
{
    const QString action = line.value(QStringLiteral("recover"));
    if (!action.isEmpty() && action != QLatin1String("restore") && action != QLatin1String("discard"))
        return line.usageError(QStringLiteral("--recover takes 'restore' or 'discard'"));
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
            return fail(line, done.error());
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

} // namespace

int runMeta(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Print or edit a checkpoint's __metadata__.\n"
                                    "Without edit options, prints the metadata. With edits, saves in place when the "
                                    "new header fits in the old one (only the header bytes are written, crash-safely), "
                                    "otherwise rewrites the file through a temporary file renamed over it. A sharded "
                                    "checkpoint gets the same edit in every shard."),
                     {QStringLiteral("PATH")},
                     {QStringLiteral("A .safetensors file, a *.safetensors.index.json, or a model folder.")});
    QCommandLineParser& parser = line.parser();
    parser.addOption({QStringLiteral("set"), QStringLiteral("Add or replace a key."), QStringLiteral("KEY=VALUE")});
    parser.addOption({QStringLiteral("set-file"), QStringLiteral("Add or replace a key with a file's text."),
                      QStringLiteral("KEY=FILE")});
    parser.addOption({QStringLiteral("unset"), QStringLiteral("Remove a key."), QStringLiteral("KEY")});
    parser.addOption(
        {QStringLiteral("clear"), QStringLiteral("Remove every key first (no keys left: no __metadata__).")});
    parser.addOption({QStringLiteral("reserve"),
                      QStringLiteral("When rewriting, pad the header with this many extra bytes so later edits fit in "
                                     "place (e.g. 4096)."),
                      QStringLiteral("BYTES")});
    parser.addOption({QStringLiteral("rewrite"), QStringLiteral("Rewrite the file even when the edit fits in place.")});
    parser.addOption({{QStringLiteral("o"), QStringLiteral("output")},
                      QStringLiteral("Save as a new file instead of over PATH (single files only)."),
                      QStringLiteral("OUT")});
    parser.addOption({QStringLiteral("recover"),
                      QStringLiteral("Resolve an interrupted earlier save: 'restore' the old header or 'discard' the "
                                     "recovery record."),
                      QStringLiteral("ACTION")});
    if (const auto exit = line.parse(arguments))
        return *exit;

    MetadataEdit edit;
    if (auto problem = buildEdit(line, edit))
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

    // An edit of several shards interrupted by a crash is completed first, so that every shard agrees again.
    auto completed = completeInterruptedTransactions(line.positional(0));
    if (!completed)
        return fail(line, completed.error());
    for (const TransactionOutcome& outcome : *completed)
        TerminalStream(stderr) << "safescope-cli: " << outcome.describe() << '\n';
    if (const auto exit = handleRecovery(line, modelFilesWithoutParsing(line.positional(0))))
        return *exit;
    auto opened = Model::open(line.positional(0), OpenMode::Strict);
    if (!opened)
        return fail(line, opened.error());
    std::shared_ptr<const Model> model = *opened;

    if (edit.isEmpty() && options.outputPath.isEmpty() && !options.forceRewrite) {
        const std::vector<ShardMetadataDifference> differences = shardMetadataDifferences(*model);
        if (line.json()) {
            // "metadata" stays the first shard's (what loaders read); "disagreements" lists every shard's value of
            // each key the shards do not agree on.
            printJson({{"path", toStd(model->path())},
                       {"metadata", metadataJson(model->metadataState(), model->metadata())},
                       {"keys", keysJson(model->metadata())},
                       {"disagreements", disagreementsJson(differences)}});
        } else {
            printMetadataText(*model, differences);
        }
        return ExitOk;
    }

    if (!edit.set.empty()) {
        std::vector<MetadataEntry> check = edit.set;
        if (Status valid = validateMetadata(check); !valid)
            return fail(line, valid.error());
    }
    if (model->shards().size() == 1 && lacksFormatKey(edit.apply(model->metadata())))
        TerminalStream(stderr) << "safescope-cli: warning: the metadata has no \"format\" key; transformers refuses a "
                                  "single-file checkpoint without it\n";
    // The header each shard is edited from must be the one read here: a change by another program in between is
    // refused (FileChanged) instead of being overwritten.
    for (const Model::Shard& shard : model->shards())
        options.expectedShards.push_back(shard.file->identity());
    auto saved = saveMetadataEditAllShards(*model, edit, options);
    model.reset();
    if (!saved)
        return fail(line, saved.error());

    if (line.json()) {
        nlohmann::json results = nlohmann::json::array();
        for (const MetadataSaveResult& result : *saved) {
            const Header& header = result.file->header();
            results.push_back({{"path", toStd(result.path)},
                               {"method", saveMethodName(result.method)},
                               {"old_header_length", result.oldHeaderLength},
                               {"new_header_length", result.newHeaderLength},
                               {"bytes_written", result.bytesWritten},
                               {"metadata", metadataJson(header.metadataState, header.metadata)},
                               {"keys", keysJson(header.metadata)}});
        }
        printJson({{"files", std::move(results)}});
        return ExitOk;
    }
    TerminalStream out(stdout);
    for (const MetadataSaveResult& result : *saved)
        out << saveMethodName(result.method) << ": " << result.path << " (header " << grouped(result.oldHeaderLength)
            << " -> " << grouped(result.newHeaderLength) << " bytes, " << grouped(result.bytesWritten)
            << " bytes written)\n";
    return ExitOk;
}

} // namespace safescope::cli
