// safescope-cli meta: print a checkpoint's __metadata__, or edit it (in place when the new header fits).
#include "commandline.h"
#include "commands.h"
#include "core/localpath.h"
#include "core/metadatarules.h"
#include "core/metadatasaver.h"
#include "core/model.h"
#include "core/recoveryrecord.h"
#include "core/shardindex.h"
#include "core/utf8.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "terminalstream.h"

#include <QFile>

#include <dirent.h>
#include <string_view>
#include <sys/stat.h>

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

// Leftover records of interrupted saves: resolve them when asked, otherwise say so (an edit would be refused).
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
            err << "safescope-cli: warning: an earlier save of '" << path << "' was interrupted ("
                << recoveryStateName(info.state) << "); run with --recover restore or --recover discard\n";
            continue;
        }
        const Status done = action == QLatin1String("restore") ? restoreRecovery(path) : discardRecovery(path);
        if (!done)
            return fail(line, done.error());
        err << "safescope-cli: "
            << (action == QLatin1String("restore") ? "restored the header of '" : "discarded the recovery record of '")
            << path << "'\n";
    }
    return std::nullopt;
}

// The regular *.safetensors files under `folder`, subfolders included, read by the bytes of their names
// (QDirIterator would turn a name that is not UTF-8 into U+FFFD, and the recovery check would look beside no file).
void collectFiles(const QString& folder, QStringList& files, int depth)
{
    DIR* dir = ::opendir(encodeLocalPath(folder).constData());
    if (dir == nullptr)
        return;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name(entry->d_name);
        if (name == "." || name == "..")
            continue;
        struct stat info = {};
        if (::fstatat(::dirfd(dir), entry->d_name, &info, 0) != 0)
            continue;
        const QString path = folder + QLatin1Char('/') + decodeLocalPath(QByteArray(entry->d_name));
        if (S_ISDIR(info.st_mode) && depth < 8) // deep enough for diffusers components, bounded against link loops
            collectFiles(path, files, depth + 1);
        else if (S_ISREG(info.st_mode) && name.ends_with(".safetensors"))
            files << path;
    }
    ::closedir(dir);
}

// The .safetensors files PATH stands for, found without parsing them: a torn header must not stop its own repair.
// A FIFO or device is not looked into at all (Model::open() then refuses it by name).
QStringList candidateFiles(const QString& path)
{
    struct stat info = {};
    if (::stat(encodeLocalPath(path).constData(), &info) != 0 || (!S_ISDIR(info.st_mode) && !S_ISREG(info.st_mode)))
        return {};
    QStringList files;
    const QString fileName = path.mid(path.lastIndexOf(QLatin1Char('/')) + 1);
    if (S_ISDIR(info.st_mode)) {
        collectFiles(path, files, 0);
    } else if (isShardIndexName(fileName)) {
        if (auto index = readShardIndex(path)) {
            const QString absolute = absoluteLocalPath(path);
            const QString folder = absolute.left(absolute.lastIndexOf(QLatin1Char('/')) + 1);
            for (const std::string& shard : index->shards)
                files << folder + QString::fromStdString(shard);
        }
    } else {
        files << path;
    }
    return files;
}

void printMetadataText(const Model& model)
{
    TerminalStream out(stdout);
    if (model.metadataState() != MetadataState::Object) {
        out << "(no __metadata__)\n";
        return;
    }
    for (const MetadataEntry& entry : model.metadata())
        out << QString::fromStdString(entry.key) << " = " << QString::fromStdString(entry.value) << '\n';
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

    if (const auto exit = handleRecovery(line, candidateFiles(line.positional(0))))
        return *exit;
    auto opened = Model::open(line.positional(0), OpenMode::Strict);
    if (!opened)
        return fail(line, opened.error());
    std::shared_ptr<const Model> model = *opened;

    if (edit.isEmpty() && options.outputPath.isEmpty() && !options.forceRewrite) {
        if (line.json()) {
            printJson({{"path", toStd(model->path())},
                       {"metadata", metadataJson(model->metadataState(), model->metadata())},
                       {"keys", keysJson(model->metadata())}});
        } else {
            printMetadataText(*model);
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
