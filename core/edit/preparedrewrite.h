#pragma once

#include "core/edit/headersnapshot.h"
#include "core/format/error.h"
#include "core/io/atomicfilewriter.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <string>

namespace safescope {

struct MetadataSaveOptions;

/// The 8-byte length field and `text` padded with spaces to `headerLength` bytes: a header block as written.
QByteArray headerBlock(const std::string& text, uint64_t headerLength);

/// A rewrite built and made durable under its temporary name, validated, not yet renamed over its target.
struct PreparedRewrite
{
    std::unique_ptr<AtomicFileWriter> writer; ///< finished (synced, closed); commit() renames it over the target
    QByteArray headerBlock;                   ///< the new file's first 8 + N bytes
    uint64_t headerLength = 0;                ///< N of the new file
    uint64_t totalBytes = 0;                  ///< bytes written
};

/// Writes the new file for `target` beside it: header `text` (with options.reserveBytes of room, in the page phase
/// of the old data start), then the source's data region verbatim; syncs it, re-reads and strictly validates it, and
/// checks that the source did not change while it was copied. Runs the TempHeaderWritten, TempDataPartCopied and
/// TempSynced step hooks. The caller commits (or drops) the writer; sharded saves prepare every shard before the
/// first rename.
Result<PreparedRewrite> prepareRewrite(const SystemFile& source, const HeaderSnapshot& snapshot,
                                       const std::string& text, const MetadataSaveOptions& options,
                                       const QString& target);

} // namespace safescope
