#pragma once

#include "core/edit/metadataedit.h"
#include "core/edit/metadatasaver.h"
#include "core/format/error.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace safescope {

class Model;

/// Save As for a remote sharded model: every shard is written into `directory` (created if missing) under its name
/// relative to the index's URL, with `edit` applied to its own metadata as a local sharded Save As applies it
/// (saveShardsAs: to shard `onlyShard` alone when given, the others keep theirs), its data streamed from the server
/// (draftRemoteFileAs). `indexJson`, the index file's bytes as the server sent them, is written beside them under the
/// index's name (nothing when the model has no index). All or nothing: every file is written, synced and checked
/// under a temporary name first and renamed only when all are; on any failure the temporary files are removed and
/// no file of the model is left in `directory`.
Result<std::vector<MetadataSaveResult>> saveRemoteShardsAs(const Model& model, const MetadataEdit& edit,
                                                           const QString& directory, const QByteArray& indexJson,
                                                           std::optional<size_t> onlyShard = {},
                                                           const MetadataSaveOptions& options = {});

} // namespace safescope
