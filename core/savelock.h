#pragma once

#include "core/error.h"
#include "core/posixfile.h"

#include <QString>

namespace safescope {

/// Opens `path` with `flags` and takes an exclusive advisory lock (flock) on it, held until the descriptor is
/// closed, so two saves of one file (two `meta` runs, or the viewer and the CLI) run one after the other instead
/// of interleaving their reads and writes. When the file was replaced while waiting for the lock (a rewrite renamed
/// a new file over it), the new file is opened and locked instead, so the caller always holds the lock of the file
/// the path names now. Waits up to `waitMs` for another save to finish, then refuses with IoError.
Result<PosixFile> openLockedForSave(const QString& path, int flags, const SaveHooks* hooks, int waitMs = 60'000);

/// Whether a save holds the lock of `path` right now: its recovery record and temporary file are then the live
/// save's, not leftovers of an interrupted one, and must not be reported or removed.
bool isLockedBySave(const QString& path);

} // namespace safescope
