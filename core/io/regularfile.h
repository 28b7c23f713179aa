#pragma once

#include "core/format/error.h"

#include <QString>

#include <optional>
#include <sys/stat.h>

namespace safescope {

/// "a FIFO", "a socket", "a character device", "a block device", "a folder"; nullopt for a regular file.
std::optional<QString> nonRegularKind(mode_t mode);

/// Ok for a regular file; otherwise an IoError saying what `path` is ("'x' is a FIFO, not a file"). Only regular
/// files are read: a FIFO blocks its reader until a writer appears, and /dev/zero never ends.
Status requireRegularFile(const QString& path, const struct stat& info);

/// open(2) of `path` with `flags` (O_CLOEXEC added) that never blocks on a FIFO and refuses anything but a regular
/// file, so every reader and writer of model files can call it instead of open(2). The descriptor is blocking again
/// when returned (unless O_NONBLOCK was asked for). The caller owns it.
Result<int> openRegularFile(const QString& path, int flags, mode_t mode = 0600);

} // namespace safescope
