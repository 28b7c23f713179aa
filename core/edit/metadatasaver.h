#pragma once

#include "core/format/error.h"
#include "core/io/fileidentity.h"
#include "core/format/header.h"
#include "core/edit/headersnapshot.h"
#include "core/edit/metadataedit.h"
#include "core/io/parallelchunks.h"
#include "core/edit/savehooks.h"
#include "core/edit/saveplan.h"

#include <QString>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace safescope {

class Model;

struct MetadataSaveOptions
{
    uint64_t reserveBytes = 0; ///< extra header padding when rewriting, so later edits fit in place
    bool forceRewrite = false; ///< rewrite even when the new header would fit
    QString outputPath;        ///< Save As: write a new file here (always a rewrite); empty saves over the original
    ProgressFn progress;       ///< fraction of bytes written
    const std::atomic_bool* cancel = nullptr;
    SaveHooks hooks; ///< test seams (crash at a step, injected I/O errors)
    /// The identity of the file as the caller read it (FileIdentity::read when it loaded the header it shows or
    /// edits). Checked under the save's exclusive lock: when the file on disk differs, the save is refused with
    /// FileChanged and nothing is written. Unset: not checked (the edit applies to the header as it is on disk when
    /// the save starts; the lock still keeps two saves from interleaving).
    std::optional<FileIdentity> expected;
    /// Sharded saves (saveMetadataEditAllShards): one identity per shard, in the order of Model::shards(); empty:
    /// not checked. Every shard is checked before any is written. `expected` is ignored there.
    std::vector<FileIdentity> expectedShards;
};

struct MetadataSaveResult
{
    SaveMethod method = SaveMethod::InPlace;
    QString path;                 ///< the file written (the original, or outputPath)
    uint64_t oldHeaderLength = 0; ///< N before
    uint64_t newHeaderLength = 0; ///< N after (same as before for InPlace)
    uint64_t bytesWritten = 0;
    /// The saved file re-opened after the save (a new descriptor by path) with its header re-read and strictly
    /// validated. A header snapshot, not a mapping: a save must not leave the whole file mapped.
    std::shared_ptr<const HeaderSnapshot> file;
};

/// Saves `metadata` (nullopt: no `__metadata__` at all) into the file at `path`, keeping every tensor entry and
/// the data region byte for byte. In place when the new header fits in the old N (padded with spaces to N,
/// crash-safe through a recovery record, see recoveryrecord.h); otherwise, or when forced or saving as, through a
/// synced temp file renamed over the target. On any failure the original is byte-identical and the error names the
/// file and the reason. Strict validation: a file the reference would refuse is not edited.
Result<MetadataSaveResult> saveMetadata(const QString& path, const std::optional<std::vector<MetadataEntry>>& metadata,
                                        const MetadataSaveOptions& options = {});

/// Applies `edit` to the metadata of the file at `path` and saves it as above.
Result<MetadataSaveResult> saveMetadataEdit(const QString& path, const MetadataEdit& edit,
                                            const MetadataSaveOptions& options = {});

/// Applies `edit` to each shard of `model` (to each shard's own metadata as it is on disk now, so keys that differ
/// between shards keep their own values unless the edit sets or removes them). Several shards are saved as one
/// transaction (shardtransaction.h): all get the edit or none, even across a crash, completed by the next
/// `meta` (completeInterruptedTransactions). Save As (outputPath) is refused for more than one shard.
Result<std::vector<MetadataSaveResult>> saveMetadataEditAllShards(const Model& model, const MetadataEdit& edit,
                                                                  const MetadataSaveOptions& options = {});

/// Save As for a sharded model: writes every shard into `directory` (created if missing) under its name relative to
/// the model's folder, with `edit` applied to its own metadata (to shard `onlyShard` alone when given; the others
/// are copied with their metadata unchanged), then copies the index file there. The originals are never written:
/// a target that is one of them is refused before anything is written. options.outputPath is ignored. Stops at the
/// first failure, naming the file; files written before it stay in `directory`.
Result<std::vector<MetadataSaveResult>> saveShardsAs(const Model& model, const MetadataEdit& edit,
                                                     const QString& directory, std::optional<size_t> onlyShard = {},
                                                     const MetadataSaveOptions& options = {});

} // namespace safescope
