#include "core/format/folderentries.h"

#include "core/io/localpath.h"
#include "core/io/systemfile.h"
#include "core/platform/filestatus.h"
#include "core/platform/filesystem.h"

#include <vector>

namespace safescope {

Result<QStringList> folderEntryNames(const QString& folder)
{
    std::vector<platform::FolderEntry> entries;
    const QString listed = folder.isEmpty() ? QStringLiteral(".") : folder;
    if (const int err = platform::listFolder(encodeLocalPath(listed).toStdString(), entries))
        return systemError(folder, QStringLiteral("list the folder"), err);
    QStringList names;
    names.reserve(static_cast<qsizetype>(entries.size()));
    for (const platform::FolderEntry& entry : entries)
        names.append(decodeLocalPath(QByteArray::fromStdString(entry.name)));
    return names;
}

bool localPathExists(const QString& path)
{
    platform::FileStatus status;
    return platform::statusOf(encodeLocalPath(path).toStdString(), platform::FollowLinks::No, status) == 0;
}

} // namespace safescope
