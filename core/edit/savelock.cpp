#include "core/edit/savelock.h"

#include "core/format/folderentries.h"
#include "core/io/localpath.h"
#include "core/io/pathstatus.h"
#include "core/platform/filelock.h"

#include <QThread>

#include <cerrno>

namespace safescope {

Result<SystemFile> openLockedForSave(const QString& path, unsigned flags, const SaveHooks* hooks, int waitMs)
{
    constexpr int kPollMs = 20;
    int waited = 0;
    for (;;) {
        auto file = SystemFile::open(path, flags, hooks);
        if (!file)
            return file;
        // Polling a non-blocking request instead of waiting in the lock call: a program that hangs while holding
        // the lock must not hang every later save with it.
        while (const int err =
                   platform::tryLock(file->handle(), platform::LockSlot::Save, platform::LockMode::Exclusive)) {
            if (err != EWOULDBLOCK) {
                // A file system without these locks (some network mounts): saving unlocked is what every version
                // before this one did; the identity check still catches a change made before the save started.
                if (err == ENOLCK)
                    return file;
                return systemError(path, QStringLiteral("lock"), err);
            }
            if (waited >= waitMs)
                return makeError(ErrorKind::IoError,
                                 QStringLiteral("'%1' is being saved by another program (waited %2 s for it to "
                                                "finish); nothing was saved")
                                     .arg(path)
                                     .arg(waitMs / 1000),
                                 path);
            QThread::msleep(kPollMs);
            waited += kPollMs;
        }
        // The lock belongs to the file we opened; if a rewrite renamed another file over the path meanwhile, our
        // file is no longer the one the path names and a save through it would be lost. Lock the file named now.
        auto held = file->status();
        if (!held)
            return held.error();
        const auto byPath = pathStatus(path);
        if (byPath && byPath->sameFileAs(*held))
            return file;
    }
}

SaveActivity lockOutSaves(const QString& path, SystemFile& guard)
{
    auto file = SystemFile::open(path, platform::ReadOnly | platform::NonBlocking);
    if (!file)
        return localPathExists(path) ? SaveActivity::Idle : SaveActivity::Missing;
    const int err = platform::tryLock(file->handle(), platform::LockSlot::Save, platform::LockMode::Shared);
    if (err == 0) {
        guard = std::move(*file);
        return SaveActivity::Idle;
    }
    // Anything else: no such locks on this file system.
    return err == EWOULDBLOCK ? SaveActivity::Running : SaveActivity::Idle;
}

bool isLockedBySave(const QString& path)
{
    SystemFile guard;
    return lockOutSaves(path, guard) == SaveActivity::Running;
}

} // namespace safescope
