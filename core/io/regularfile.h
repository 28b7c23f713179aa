#pragma once

#include "core/format/error.h"
#include "core/platform/filestatus.h"
#include "core/platform/nativefile.h"

#include <QString>

#include <optional>

namespace safescope {

/// "a FIFO", "a socket", "a character device", "a block device", "a folder"; nullopt for a regular file.
std::optional<QString> nonRegularKind(platform::FileKind kind);

/// Ok for a regular file; otherwise an IoError saying what `path` is ("'x' is a FIFO, not a file"). Only regular
/// files are read: a FIFO blocks its reader until a writer appears, and /dev/zero never ends.
Status requireRegularFile(const QString& path, const platform::FileStatus& status);

/// Opens `path` with platform::OpenFlag `flags` so that it never blocks on a FIFO and refuses anything but a
/// regular file: every reader and writer of model files calls it instead of opening directly. The file is
/// blocking again when returned (unless platform::NonBlocking was asked for).
Result<platform::NativeFile> openRegularFile(const QString& path, unsigned flags, unsigned permissions = 0600);

} // namespace safescope
