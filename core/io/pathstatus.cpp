#include "core/io/pathstatus.h"

#include "core/io/localpath.h"

namespace safescope {

std::optional<platform::FileStatus> pathStatus(const QString& path, platform::FollowLinks follow)
{
    platform::FileStatus status;
    if (pathStatus(path, follow, status) != 0)
        return std::nullopt;
    return status;
}

int pathStatus(const QString& path, platform::FollowLinks follow, platform::FileStatus& status)
{
    return platform::statusOf(encodeLocalPath(path).toStdString(), follow, status);
}

bool isFolderPath(const QString& path)
{
    const std::optional<platform::FileStatus> status = pathStatus(path);
    return status && status->kind == platform::FileKind::Folder;
}

} // namespace safescope
