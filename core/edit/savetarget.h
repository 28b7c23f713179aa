#pragma once

#include "core/format/error.h"

#include <QString>

#include <optional>

namespace safescope {

/// The file a save writes when asked to save over `path`: `path` itself, or, when it is a symbolic link, the file at
/// the end of its chain of links (relative targets resolved against each link's folder). A save edits that file and
/// keeps the link: its temporary file goes beside the target and the rename replaces the target, so the link still
/// points at the edited file (renaming over the link would turn it into a regular file and leave the target as it
/// was). A missing `path` is returned as it is; a loop of links is an IoError.
Result<QString> resolveSaveTarget(const QString& path);

/// The SHA of a file of the Hugging Face hub cache: `path` resolves (links followed, "." and ".." removed) to
/// ".../models--OWNER--NAME/blobs/<hash>" (or "datasets--", "spaces--"), a content-addressed blob named by its
/// SHA-256 (or the SHA-1 of a small git file), which snapshots link to. nullopt for any other file.
std::optional<QString> huggingFaceBlobHash(const QString& path);

/// Refuses (InvalidArgument, nothing written) a save over `path` when it is a Hugging Face cache blob: editing it
/// would corrupt the cache, since the blob's name is the hash of its bytes and other revisions may share it.
Status refuseHuggingFaceBlob(const QString& path);

} // namespace safescope
