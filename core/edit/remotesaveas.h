#pragma once

#include "core/edit/metadataedit.h"
#include "core/edit/metadatasaver.h"
#include "core/format/error.h"

#include <QString>

#include <memory>

namespace safescope {

class AtomicFileWriter;
class SafetensorsFile;

/// A remote file's Save As written, synced and checked under a temporary name, not yet renamed to its target: a
/// sharded Save As drafts every shard before it renames any. Dropping the draft removes the temporary file.
struct RemoteSaveDraft
{
    std::unique_ptr<AtomicFileWriter> writer;
    MetadataSaveResult result; ///< everything but `file`, which commitRemoteSave() fills from the renamed file
    RemoteSaveDraft();
    RemoteSaveDraft(RemoteSaveDraft&&) noexcept;
    RemoteSaveDraft& operator=(RemoteSaveDraft&&) noexcept;
    ~RemoteSaveDraft();
};

/// Save As for a file that does not live on this machine (a remote shard, read through its ByteSource): `edit`
/// applied to its metadata, every tensor entry and offset kept, then the whole data region streamed from the
/// source in bounded chunks into a temporary file beside `output`. The file is synced, re-read, strictly validated
/// and checked against the source (same tensors and offsets, same data size, the edited metadata) before it is
/// renamed to `output` (core/io/atomicfilewriter). The source is only ever read. options.outputPath is ignored;
/// options.progress, cancel, reserveBytes and hooks apply as for a local rewrite.
Result<MetadataSaveResult> saveRemoteFileAs(const SafetensorsFile& file, const MetadataEdit& edit,
                                            const QString& output, const MetadataSaveOptions& options = {});

/// The first half of saveRemoteFileAs(): everything up to the rename. The draft keeps a pointer to options.hooks:
/// they must outlive it.
Result<RemoteSaveDraft> draftRemoteFileAs(const SafetensorsFile& file, const MetadataEdit& edit, const QString& output,
                                          const MetadataSaveOptions& options = {});

/// The second half: renames the draft to its target and re-reads it from there.
Result<MetadataSaveResult> commitRemoteSave(RemoteSaveDraft& draft);

} // namespace safescope
