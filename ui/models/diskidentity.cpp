#include "ui/models/diskidentity.h"

#include "core/localpath.h"

#include <sys/stat.h>

namespace safescope {

DiskIdentity DiskIdentity::read(const QString& path)
{
    struct stat info
    {
    };
    if (::stat(encodeLocalPath(path).constData(), &info) != 0)
        return {};
    return fromStat(info);
}

DiskIdentity DiskIdentity::fromStat(const struct stat& info)
{
    DiskIdentity identity;
    identity.exists = true;
    identity.device = static_cast<uint64_t>(info.st_dev);
    identity.inode = static_cast<uint64_t>(info.st_ino);
    identity.size = static_cast<uint64_t>(info.st_size);
#ifdef __APPLE__
    identity.mtimeNs = int64_t(info.st_mtimespec.tv_sec) * 1000000000 + info.st_mtimespec.tv_nsec;
#else
    identity.mtimeNs = int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
#endif
    return identity;
}

bool DiskIdentity::sameAs(const DiskIdentity& other) const
{
    return exists == other.exists && device == other.device && inode == other.inode && size == other.size &&
           mtimeNs == other.mtimeNs;
}

} // namespace safescope
