#pragma once

#include "core/platform/filestatus.h"

#include <QString>

#include <optional>

namespace safescope {

/// The status of the file `path` names (the name encoded by encodeLocalPath(), so names that are not UTF-8 work);
/// nullopt when it does not exist or cannot be inspected.
std::optional<platform::FileStatus> pathStatus(const QString& path,
                                               platform::FollowLinks follow = platform::FollowLinks::Yes);
/// The same, with the system's reason: 0 or an errno value (ENOENT when nothing has that name).
int pathStatus(const QString& path, platform::FollowLinks follow, platform::FileStatus& status);
/// Whether `path` names a folder (links followed).
bool isFolderPath(const QString& path);

} // namespace safescope
