#pragma once

#include "core/io/fileidentity.h"
#include "core/format/header.h"
#include "core/edit/metadatamerge.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace safescope {

class Model;

/// What a save found on disk: which of the files it would write changed since they were read, and what a
/// three-way merge of the metadata edits over the disk's metadata would do. Built without widgets (Document),
/// presented by the conflict dialog.
struct SaveConflict
{
    QStringList changedFiles;                ///< files whose identity differs from the one they were read with
    std::vector<MetadataConflict> conflicts; ///< keys the user and the disk changed differently (one per key)
    std::vector<std::string> changedOnDisk;  ///< keys the disk changed since the read (kept by reapply)
    bool canReapply = true;                  ///< false when a changed file cannot be read as safetensors now
    bool canOverwrite = true;                ///< false for "All shards": each shard's metadata is its own
    QString readError;                       ///< why reapply is impossible
};

/// One file to check before a save: its path, the identity and metadata it was read with, and the metadata the
/// user wants in it.
struct SaveTarget
{
    QString path;
    FileIdentity identity; ///< as read when the model was opened
    std::vector<MetadataEntry> base;
    std::vector<MetadataEntry> mine;
};

/// The disk state a save decision was made against: per target, the identity and metadata read now.
struct DiskState
{
    std::vector<FileIdentity> identities;
    std::vector<std::vector<MetadataEntry>> metadata;
};

/// Re-reads each target's header and identity (a change of either counts); `state` receives what was read, with the
/// identity of the very descriptor the header came from, so a later write can require exactly that file.
/// Returns nullopt when no target changed.
std::optional<SaveConflict> findSaveConflict(const std::vector<SaveTarget>& targets, DiskState& state);

} // namespace safescope
