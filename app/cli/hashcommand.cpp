// safescope-cli hash: the hashes the model communities identify a file by, and the hashes its metadata claims.
#include "commandline.h"
#include "commands.h"
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/io/bytesource.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/publish/claimedhashes.h"
#include "core/publish/filehasher.h"
#include "core/publish/hashbatch.h"
#include "core/text/format.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "terminalstream.h"

#include <QRegularExpression>

#include <atomic>
#include <memory>
#include <optional>

namespace safescope::cli {

namespace {

/// What one PATH argument names: local files (a file as itself, an index or a folder as its shards), or the shards
/// of a remote model, kept open so their ByteSources can be read.
struct HashTargets
{
    QStringList files;
    std::shared_ptr<const Model> remote;
};

Result<HashTargets> targetsOf(const QString& path)
{
    static const QRegularExpression indexName(QStringLiteral("\\.safetensors\\.index.*\\.json$"));
    const auto status = pathStatus(path);
    if (status && status->kind == platform::FileKind::Regular && !indexName.match(path).hasMatch())
        return HashTargets{{path}, nullptr};
    auto model = openModelArgument(path, OpenMode::Lenient);
    if (!model)
        return model.error();
    if (isRemoteModel(**model))
        return HashTargets{{}, *model};
    HashTargets targets;
    for (const Model::Shard& shard : (*model)->shards())
        targets.files << shard.path;
    return targets;
}

/// A remote shard's hashes: the Hub's published SHA-256 when that is all that was asked and it need not be
/// verified (nothing but the legacy hash's 64 KiB is read), otherwise every byte streamed through the hashers.
Result<FileHashes> hashRemote(const ByteSource& source, bool sha256Only, bool verify, const std::atomic_bool& cancel)
{
    if (sha256Only && !verify && !source.sha256().isEmpty())
        return publishedHashes(source, cancel);
    HashOptions options;
    options.dataHash = !sha256Only;
    return hashByteSource(source, options, cancel);
}

std::vector<ClaimedHash> claimsOf(const FileHashes& hashes, const SafetensorsFile* remote)
{
    if (remote)
        return verifyClaimedHashes(remote->header().metadata, hashes);
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
    CommandLine line(
        QStringLiteral("Hash checkpoints as the model communities identify them, from one read of each "
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
        {QStringLiteral("Files, *.safetensors.index.json, model folders (every shard is hashed), or remote "
                        "locations (https://, hf://), streamed in bounded chunks.")});
    QCommandLineParser& parser = line.parser();
    const QCommandLineOption check(QStringLiteral("check"),
                                   QStringLiteral("Fail (exit 1) unless every file's SHA-256 is HASH."),
                                   QStringLiteral("HASH"));
    const QCommandLineOption sha256Only(QStringLiteral("sha256-only"),
                                        QStringLiteral("Only the whole-file SHA-256 and the legacy hash: half the "
                                                       "CPU; claimed data hashes cannot be checked."));
    const QCommandLineOption noCache(QStringLiteral("no-cache"),
                                     QStringLiteral("Read every file, neither using nor updating the cache."));
    const QCommandLineOption verify(QStringLiteral("verify"),
                                    QStringLiteral("Remote files: hash every byte even when the Hub published the "
                                                   "SHA-256, and fail (exit 1) unless they agree."));
    parser.addOptions({check, sha256Only, noCache, verify});
    if (const auto exit = line.parse(arguments)) // PATH... : one or more
        return *exit;
    const QStringList paths = parser.positionalArguments();
    const QString expected = parser.value(check).trimmed().toLower();
    static const QRegularExpression sha256Text(QStringLiteral("^[0-9a-f]{64}$"));
    if (parser.isSet(check) && !sha256Text.match(expected).hasMatch())
        return line.usageError(QStringLiteral("--check needs a SHA-256: 64 hex digits"));

    std::vector<Error> errors;
    QStringList files;
    std::vector<std::shared_ptr<const Model>> remotes;
    for (const QString& path : paths) {
        if (auto found = targetsOf(path)) {
            files << found->files;
            if (found->remote)
                remotes.push_back(found->remote);
        } else {
            errors.push_back(found.error());
        }
    }
    HashBatchOptions options;
    options.dataHash = !parser.isSet(sha256Only);
    options.useCache = !parser.isSet(noCache);
    const std::atomic_bool cancel = false;
    std::vector<Result<FileHashes>> results = hashFiles(files, options, cancel);
    std::vector<const SafetensorsFile*> remoteFiles(results.size(), nullptr); // parallel to results
    for (const auto& model : remotes) {
        for (const Model::Shard& shard : model->shards()) {
            results.push_back(
                hashRemote(*shard.file->byteSource(), parser.isSet(sha256Only), parser.isSet(verify), cancel));
            remoteFiles.push_back(shard.file.get());
        }
    }

    bool mismatch = false;
    nlohmann::json list = nlohmann::json::array();
    TerminalStream out(stdout);
    for (size_t r = 0; r < results.size(); ++r) {
        const Result<FileHashes>& result = results[r];
        if (!result) {
            errors.push_back(result.error());
            continue;
        }
        const FileHashes& hashes = *result;
        const SafetensorsFile* remote = remoteFiles[r];
        const std::vector<ClaimedHash> claims = claimsOf(hashes, remote);
        const bool checkFails = parser.isSet(check) && hashes.sha256 != expected;
        // A remote file's SHA-256: the Hub's published value taken as is, or computed and compared with it.
        const QString published = remote ? QString::fromLatin1(remote->byteSource()->sha256()) : QString();
        const bool computed = !remote || !parser.isSet(sha256Only) || parser.isSet(verify) || published.isEmpty();
        const bool publishedDiffers = remote && computed && !published.isEmpty() && hashes.sha256 != published;
        mismatch = mismatch || checkFails || anyWrong(claims) || publishedDiffers;
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
            if (remote) {
                entry["sha256_source"] = computed ? "computed" : "published";
                entry["published_sha256"] = nullable(published);
                if (computed && !published.isEmpty())
                    entry["published"] = publishedDiffers ? "mismatch" : "match";
            }
            list.push_back(std::move(entry));
        } else {
            out << hashes.path << (hashes.fromCache ? "  (cached)" : "") << '\n'
                << "  size         " << format::bytes(hashes.size) << " (" << format::count(hashes.size) << " bytes)\n"
                << "  sha256       " << hashes.sha256 << "  AutoV2 " << hashes.autoV2()
                << (computed ? "" : "  (published by the Hub, not verified: --verify hashes the bytes)") << '\n';
            if (!hashes.dataSha256.isEmpty())
                out << "  data sha256  " << hashes.dataSha256 << "  AutoV3 " << hashes.autoV3() << '\n';
            out << "  legacy hash  " << hashes.legacyHash << '\n';
            for (const ClaimedHash& claim : claims)
                out << "  " << QString::fromStdString(claim.key).leftJustified(22) << ' '
                    << QString::fromLatin1(hashVerdictName(claim.verdict)).toUpper() << ": " << claim.reason << '\n';
            if (parser.isSet(check))
                out << "  check        " << (checkFails ? "MISMATCH" : "match") << '\n';
            if (remote && computed && !published.isEmpty())
                out << "  published    "
                    << (publishedDiffers ? QStringLiteral("MISMATCH: the Hub published ") + published
                                         : QStringLiteral("match"))
                    << '\n';
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
