#include "core/edit/savelock.h"

#include "core/format/folderentries.h"
#include "core/io/localpath.h"

#include <QThread>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace safescope {

Result<PosixFile> openLockedForSave(const QString& path, int flags, const SaveHooks* hooks, int waitMs)
{
    constexpr int kPollMs = 20;
    int waited = 0;
    for (;;) {
        auto file = PosixFile::open(path, flags, hooks);
        if (!file)
            return file;
        // Polling with LOCK_NB instead of a blocking flock: a program that hangs while holding the lock must not
        // hang every later save with it.
        while (::flock(file->fd(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                // A file system without flock (some network mounts): saving unlocked is what every version before
                // this one did; the identity check still catches a change made before the save started.
                if (errno == ENOLCK || errno == EOPNOTSUPP)
                    return file;
                return systemError(path, QStringLiteral("lock"), errno);
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
        // The lock belongs to the inode we opened; if a rewrite renamed another file over the path meanwhile, our
        // inode is no longer the file and a save through it would be lost. Lock the file the path names now.
        struct stat byPath
        {
        };
        auto held = file->status();
        if (!held)
            return held.error();
        if (::stat(encodeLocalPath(path).constData(), &byPath) == 0 && byPath.st_dev == held->st_dev &&
            byPath.st_ino == held->st_ino)
            return file;
    }
}

SaveActivity lockOutSaves(const QString& path, PosixFile& guard)
{
    auto file = PosixFile::open(path, O_RDONLY | O_NONBLOCK);
    if (!file)
        return localPathExists(path) ? SaveActivity::Idle : SaveActivity::Missing;
    for (;;) {
        if (::flock(file->fd(), LOCK_SH | LOCK_NB) == 0) {
            guard = std::move(*file);
            return SaveActivity::Idle;
        }
        if (errno == EWOULDBLOCK)
            return SaveActivity::Running;
        if (errno != EINTR)
            return SaveActivity::Idle; // no flock on this file system
    }
}

bool isLockedBySave(const QString& path)
{
    PosixFile guard;
    return lockOutSaves(path, guard) == SaveActivity::Running;
}

} // namespace safescope
