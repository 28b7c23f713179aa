// safescope-cli hash: the hashes the model communities identify a file by, and the hashes its metadata claims.
#include "commandline.h"
#include "commands.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/publish/claimedhashes.h"
#include "core/publish/hashbatch.h"
#include "core/text/format.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "terminalstream.h"

#include <QRegularExpression>

#include <atomic>
#include <optional>

namespace safescope::cli {

namespace {

/// A file is hashed as itself; an index or a model folder as every one of its shards.
Result<QStringList> filesOf(const QString& path)
{
    static const QRegularExpression indexName(QStringLiteral("\\.safetensors\\.index.*\\.json$"));
    const auto status = pathStatus(path);
    if (status && status->kind == platform::FileKind::Regular && !indexName.match(path).hasMatch())
        return QStringList{path};
    auto model = openModelArgument(path, OpenMode::Lenient);
    if (model && isRemoteModel(**model))
        model = remoteNotSupported(**model, QStringLiteral("hash"));
    if (!model)
        return model.error();
    QStringList files;
    for (const Model::Shard& shard : (*model)->shards())
        files << shard.path;
    return files;
}

std::vector<ClaimedHash> claimsOf(const FileHashes& hashes)
{
    // Lenient: a file whose header has an unknown dtype still has metadata worth checking; a file that is not
    // safetensors at all simply claims nothing.
    auto file = SafetensorsFile::open(hashes.path, OpenMode::Lenient);
    return file ? verifyClaimedHashes((*file)->header().metadata, hashes) : std::vector<ClaimedHash>{};
}

nlohmann::json nullable(const QString& text)
{
    return text.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(toStd(text));
}

} // namespace

int runHash(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Hash checkpoints as the model communities identify them, from one read of each "
                                    "file:\n"
                                    "  sha256       every byte (Hugging Face LFS oid; Civitai AutoV2 = first 10 "
                                    "digits)\n"
                                    "  data_sha256  the tensor data after the header (kohya sshs_model_hash, "
                                    "modelspec.hash_sha256, Civitai AutoV3)\n"
                                    "  legacy_hash  the 64 KiB at 1 MiB, 8 digits (sshs_legacy_hash, old web-UI "
                                    "model hash)\n"
                                    "Metadata keys that claim a hash are checked. Results are cached by file identity "
                                    "(device, inode, size, mtime, ctime) under $XDG_CACHE_HOME/safescope.\n"
                                    "Exit 1 when --check or a claimed hash does not match."),
                     {QStringLiteral("PATH...")},
                     {QStringLiteral("Files, *.safetensors.index.json, or model folders (every shard is hashed).")});
    QCommandLineParser& parser = line.parser();
    const QCommandLineOption check(QStringLiteral("check"),
                                   QStringLiteral("Fail (exit 1) unless every file's SHA-256 is HASH."),
                                   QStringLiteral("HASH"));
    const QCommandLineOption sha256Only(QStringLiteral("sha256-only"),
                                        QStringLiteral("Only the whole-file SHA-256 and the legacy hash: half the "
                                                       "CPU; claimed data hashes cannot be checked."));
    const QCommandLineOption noCache(QStringLiteral("no-cache"),
                                     QStringLiteral("Read every file, neither using nor updating the cache."));
    parser.addOptions({check, sha256Only, noCache});
    if (const auto exit = line.parse(arguments)) // PATH... : one or more
        return *exit;
    const QStringList paths = parser.positionalArguments();
    const QString expected = parser.value(check).trimmed().toLower();
    static const QRegularExpression sha256Text(QStringLiteral("^[0-9a-f]{64}$"));
    if (parser.isSet(check) && !sha256Text.match(expected).hasMatch())
        return line.usageError(QStringLiteral("--check needs a SHA-256: 64 hex digits"));

    std::vector<Error> errors;
    QStringList files;
    for (const QString& path : paths) {
        if (auto found = filesOf(path))
            files << *found;
        else
            errors.push_back(found.error());
    }
    HashBatchOptions options;
    options.dataHash = !parser.isSet(sha256Only);
    options.useCache = !parser.isSet(noCache);
    const std::atomic_bool cancel = false;
    std::vector<Result<FileHashes>> results = hashFiles(files, options, cancel);

    bool mismatch = false;
    nlohmann::json list = nlohmann::json::array();
    TerminalStream out(stdout);
    for (Result<FileHashes>& result : results) {
        if (!result) {
            errors.push_back(result.error());
            continue;
        }
        const FileHashes& hashes = *result;
        const std::vector<ClaimedHash> claims = claimsOf(hashes);
        const bool checkFails = parser.isSet(check) && hashes.sha256 != expected;
        mismatch = mismatch || checkFails || anyWrong(claims);
        if (line.json()) {
            nlohmann::json claimed = nlohmann::json::array();
            for (const ClaimedHash& claim : claims)
                claimed.push_back({{"key", claim.key},
                                   {"value", claim.claimed},
                                   {"verdict", hashVerdictName(claim.verdict)},
                                   {"correct", nullable(claim.correct)},
                                   {"reason", toStd(claim.reason)}});
            nlohmann::json entry{{"path", toStd(hashes.path)},
                                 {"size", hashes.size},
                                 {"sha256", toStd(hashes.sha256)},
                                 {"data_sha256", nullable(hashes.dataSha256)},
                                 {"legacy_hash", toStd(hashes.legacyHash)},
                                 {"autov2", toStd(hashes.autoV2())},
                                 {"autov3", nullable(hashes.autoV3())},
                                 {"cached", hashes.fromCache},
                                 {"claimed", std::move(claimed)}};
            if (parser.isSet(check))
                entry["check"] = checkFails ? "mismatch" : "match";
            list.push_back(std::move(entry));
        } else {
            out << hashes.path << (hashes.fromCache ? "  (cached)" : "") << '\n'
                << "  size         " << format::bytes(hashes.size) << " (" << format::count(hashes.size) << " bytes)\n"
                << "  sha256       " << hashes.sha256 << "  AutoV2 " << hashes.autoV2() << '\n';
            if (!hashes.dataSha256.isEmpty())
                out << "  data sha256  " << hashes.dataSha256 << "  AutoV3 " << hashes.autoV3() << '\n';
            out << "  legacy hash  " << hashes.legacyHash << '\n';
            for (const ClaimedHash& claim : claims)
                out << "  " << QString::fromStdString(claim.key).leftJustified(22) << ' '
                    << QString::fromLatin1(hashVerdictName(claim.verdict)).toUpper() << ": " << claim.reason << '\n';
            if (parser.isSet(check))
                out << "  check        " << (checkFails ? "MISMATCH" : "match") << '\n';
        }
    }
    if (line.json()) {
        nlohmann::json report{{"files", std::move(list)}};
        if (!errors.empty()) {
            nlohmann::json errorList = nlohmann::json::array();
            for (const Error& error : errors)
                errorList.push_back(errorJson(error));
            report["errors"] = std::move(errorList);
        }
        printJson(report);
    }
    if (!errors.empty()) {
        if (!line.json())
            for (const Error& error : errors)
                printError(error);
        return ExitUsage;
    }
    return mismatch ? ExitInvalid : ExitOk;
}

} // namespace safescope::cli
