#include "core/edit/shardtransaction.h"

#include "core/edit/headeroverwrite.h"
#include "core/edit/headertext.h"
#include "core/edit/metadatarules.h"
#include "core/edit/preparedrewrite.h"
#include "core/edit/recoveryrecord.h"
#include "core/edit/savelock.h"
#include "core/edit/savetarget.h"
#include "core/edit/shardjournal.h"
#include "core/format/folderentries.h"
#include "core/format/headerparser.h"
#include "core/format/model.h"
#include "core/io/fileidentity.h"

#include <QFileInfo>

#include <optional>

namespace safescope {

namespace {

// One shard, read under its lock, with everything it needs to be committed.
struct PreparedShard
{
    QString path; ///< the file written (links resolved)
    SystemFile file;
    std::optional<HeaderSnapshot> loaded;
    QByteArray newBytes;
    std::optional<PreparedRewrite> rewrite;
};

Error withShardCount(Error error, size_t done, size_t total, bool journalWritten)
{
    if (journalWritten)
        error.message += QStringLiteral(" (%1 of %2 shards have the new metadata; the next safescope-cli meta of the "
                                        "model completes the edit on the others)")
                             .arg(done)
                             .arg(total);
    else
        error.message += QStringLiteral("; no shard was changed");
    return error;
}

Result<PreparedShard> prepareShard(const QString& shardPath, size_t index, const MetadataEdit& edit,
                                   const MetadataSaveOptions& options)
{
    PreparedShard prepared;
    auto target = resolveSaveTarget(shardPath);
    if (!target)
        return target.error();
    prepared.path = *target;
    if (Status refused = refuseHuggingFaceBlob(prepared.path); !refused)
        return refused.error();
    if (inspectRecovery(prepared.path).state != RecoveryState::None)
        return makeError(ErrorKind::IoError,
                         QStringLiteral("an earlier save of '%1' was interrupted: restore or discard its recovery "
                                        "record first (safescope-cli meta PATH --recover restore|discard)")
                             .arg(prepared.path),
                         prepared.path);
    std::optional<Error> cannotWrite;
    Result<SystemFile> file = makeError(ErrorKind::IoError, {}, prepared.path);
    if (!options.forceRewrite) {
        file = openLockedForSave(prepared.path, platform::ReadWrite, &options.hooks);
        if (!file)
            cannotWrite = file.error();
    }
    if (!file)
        file = openLockedForSave(prepared.path, platform::ReadOnly, &options.hooks);
    if (!file)
        return file.error();
    prepared.file = std::move(*file);
    auto loaded = HeaderSnapshot::read(prepared.file);
    if (!loaded)
        return loaded.error();
    if (index < options.expectedShards.size()) {
        const FileIdentity now = FileIdentity::of(loaded->identity(), loaded->bytes());
        if (!options.expectedShards[index].sameAs(now))
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("'%1' changed on disk since it was read (%2); nothing was saved")
                                 .arg(shardPath, options.expectedShards[index].differenceTo(now)),
                             shardPath);
    }
    const Header& header = loaded->header();
    const std::optional<std::vector<MetadataEntry>> metadata = edit.apply(header.metadata);
    if (metadata) {
        if (Status valid = validateMetadata(*metadata); !valid) {
            Error error = valid.error();
            error.path = prepared.path;
            return error;
        }
    }
    const std::string text = headerTextKeepingLayout(header, metadata);
    if (planHeaderSave(header, text.size(), !options.forceRewrite, options.reserveBytes).method ==
        SaveMethod::InPlace) {
        if (cannotWrite)
            return *cannotWrite;
        prepared.newBytes = headerBlock(text, header.headerLength);
        // Validated now, before the journal: the commit phase must not be able to produce an invalid file.
        if (auto parsed = parseHeader(reinterpret_cast<const unsigned char*>(prepared.newBytes.constData()),
                                      static_cast<uint64_t>(prepared.newBytes.size()),
                                      static_cast<uint64_t>(loaded->identity().size), OpenMode::Strict, prepared.path);
            !parsed)
            return parsed.error();
    } else {
        auto rewritten = prepareRewrite(prepared.file, *loaded, text, options, prepared.path);
        if (!rewritten)
            return rewritten.error();
        prepared.newBytes = rewritten->headerBlock;
        prepared.rewrite = std::move(*rewritten);
    }
    prepared.loaded = std::move(*loaded);
    return prepared;
}

} // namespace

Result<std::vector<MetadataSaveResult>> saveShardsAsOneTransaction(const Model& model, const MetadataEdit& edit,
                                                                   const MetadataSaveOptions& options)
{
    const size_t count = model.shards().size();
    const QString journalPath = transactionJournalPath(model.path(), model.indexPath());
    if (journalPath.isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("a model of several shards must be an index or a folder to be edited"),
                         model.path());
    if (!options.expectedShards.empty() && options.expectedShards.size() != count)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1 expected identities were given for %2 shards")
                             .arg(options.expectedShards.size())
                             .arg(count),
                         model.path());

    // Phase 1: lock and read every shard, compute and validate its new header, write every rewrite's temporary
    // file. Nothing the model consists of changes here; a failure or a crash leaves it as it was.
    // One options object per shard, alive for the whole transaction: the prepared files and writers keep pointers
    // to their hooks.
    std::vector<MetadataSaveOptions> shardOptions(count, options);
    std::vector<PreparedShard> shards;
    shards.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        if (options.progress)
            shardOptions[i].progress = [&options, i, count](double fraction) {
                options.progress((static_cast<double>(i) + fraction) / static_cast<double>(count));
            };
        auto prepared = prepareShard(model.shards()[i].path, i, edit, shardOptions[i]);
        if (!prepared)
            return withShardCount(prepared.error(), 0, count, false);
        shards.push_back(std::move(*prepared));
    }

    // Checked with every shard locked: a journal still there belongs to a transaction that is finishing (it holds
    // the journal's lock until it removes it: wait for that) or to an interrupted one (it must be completed first).
    while (localPathExists(journalPath)) {
        if (!isLockedBySave(journalPath))
            return makeError(ErrorKind::IoError,
                             QStringLiteral("an earlier edit of these shards was interrupted: run safescope-cli meta "
                                            "on the model to complete it first (journal '%1')")
                                 .arg(journalPath),
                             model.path());
        auto finishing = openLockedForSave(journalPath, platform::ReadOnly, nullptr);
        if (!finishing && localPathExists(journalPath))
            return finishing.error();
    }

    // Phase 2: the journal, durable before the first shard changes.
    ShardJournal journal;
    for (const PreparedShard& shard : shards) {
        const platform::FileStatus& identity = shard.loaded->identity();
        journal.shards.push_back({shard.rewrite.has_value(), identity.device, identity.inode, identity.size, shard.path,
                                  shard.rewrite ? shard.rewrite->writer->tempPath() : QString(), shard.loaded->bytes(),
                                  shard.newBytes});
    }
    auto journalLock = writeShardJournal(journalPath, journal, &options.hooks);
    if (!journalLock)
        return withShardCount(journalLock.error(), 0, count, false);
    if (!options.hooks.stepReached(SaveStep::JournalWritten)) {
        for (PreparedShard& shard : shards) {
            if (shard.rewrite)
                shard.rewrite->writer->abandon();
        }
        return stoppedAtStep(SaveStep::JournalWritten, journalPath);
    }

    // Phase 3: commit shard by shard. A failure from here on leaves the journal, and the next open completes it.
    for (size_t i = 0; i < count; ++i) {
        PreparedShard& shard = shards[i];
        Status committed = shard.rewrite ? shard.rewrite->writer->commit()
                                         : overwriteHeaderBytes(shard.file, shard.newBytes, &options.hooks);
        if (!committed) {
            for (size_t j = i; j < count; ++j) {
                if (shards[j].rewrite)
                    shards[j].rewrite->writer->abandon(); // the journal names them: the recovery renames them
            }
            return withShardCount(committed.error(), i, count, true);
        }
        if (!options.hooks.stepReached(SaveStep::ShardCommitted)) {
            for (size_t j = i + 1; j < count; ++j) {
                if (shards[j].rewrite)
                    shards[j].rewrite->writer->abandon();
            }
            return stoppedAtStep(SaveStep::ShardCommitted, shard.path);
        }
    }
    if (Status removed = removeFile(journalPath, &options.hooks); !removed)
        return removed.error();
    if (!options.hooks.stepReached(SaveStep::JournalRemoved))
        return stoppedAtStep(SaveStep::JournalRemoved, journalPath);
    if (Status synced = syncDirectory(folderOf(journalPath), &options.hooks); !synced)
        return synced.error();

    std::vector<MetadataSaveResult> results;
    for (PreparedShard& shard : shards) {
        const uint64_t oldLength = shard.loaded->header().headerLength;
        if (Status closed = shard.file.close(); !closed)
            return closed.error();
        auto reopened = HeaderSnapshot::reopen(shard.path);
        if (!reopened) {
            Error error = reopened.error();
            error.message = QStringLiteral("the saved file does not validate: ") + error.message;
            return error;
        }
        const bool rewritten = shard.rewrite.has_value();
        results.push_back(
            MetadataSaveResult{rewritten ? SaveMethod::Rewrite : SaveMethod::InPlace, shard.path, oldLength,
                               rewritten ? shard.rewrite->headerLength : oldLength,
                               rewritten ? shard.rewrite->totalBytes : static_cast<uint64_t>(shard.newBytes.size()),
                               std::make_shared<const HeaderSnapshot>(std::move(*reopened))});
    }
    return results;
}

} // namespace safescope
