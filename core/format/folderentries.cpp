#include "core/format/folderentries.h"

#include "core/io/localpath.h"
#include "core/io/posixfile.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>

namespace safescope {

Result<QStringList> folderEntryNames(const QString& folder)
{
    DIR* dir = ::opendir(encodeLocalPath(folder.isEmpty() ? QStringLiteral(".") : folder).constData());
    if (dir == nullptr)
        return systemError(folder, QStringLiteral("list the folder"), errno);
    QStringList names;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
            names.append(decodeLocalPath(QByteArray(entry->d_name)));
        errno = 0;
    }
    const int err = errno;
    ::closedir(dir);
    if (err != 0)
        return systemError(folder, QStringLiteral("list the folder"), err);
    return names;
}

bool localPathExists(const QString& path)
{
    struct stat status
    {
    };
    return ::lstat(encodeLocalPath(path).constData(), &status) == 0;
}

} // namespace safescope
