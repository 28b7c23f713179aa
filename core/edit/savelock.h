#pragma once

#include "core/format/error.h"
#include "core/io/systemfile.h"

#include <QString>

namespace safescope {

/// Opens `path` with platform::OpenFlag `flags` and takes an exclusive advisory lock (platform::LockSlot::Save:
/// flock on POSIX) on it, held until the file is closed, so two saves of one file (two `meta` runs, or the viewer and
/// the CLI) run one after the other instead of interleaving their reads and writes. When the file was replaced while
/// waiting for the lock (a rewrite renamed a new file over it), the new file is opened and locked instead, so the
/// caller always holds the lock of the file the path names now. Waits up to `waitMs` for another save to finish, then
/// refuses with IoError.
Result<SystemFile> openLockedForSave(const QString& path, unsigned flags, const SaveHooks* hooks, int waitMs = 60'000);

/// What is happening to `path` as far as saves go.
enum class SaveActivity : uint8_t
{
    Idle,    ///< no save runs; the guard holds a shared lock, so none can start until it is closed
    Running, ///< a save holds the file's lock: its recovery record, temp files or journal are live, not leftovers
    Missing  ///< there is no such file (any more)
};

/// Answers whether a save of `path` runs, in a way that stays true while the caller looks: when it does not,
/// `guard` is left holding a shared lock that keeps any save from starting until the caller closes it. Checking
/// the lock and then looking at the leftovers without holding it raced: a save could start (its live record looked
/// interrupted) or end (its record was read just before it was removed) in between. A file system without flock
/// answers Idle with no lock held, as saves there run unlocked too.
SaveActivity lockOutSaves(const QString& path, SystemFile& guard);

/// Whether a save holds the lock of `path` right now (a momentary answer: see lockOutSaves()).
bool isLockedBySave(const QString& path);

} // namespace safescope
