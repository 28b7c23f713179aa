#include "metatargets.h"

#include "core/format/folderentries.h"
#include "core/format/modelfolder.h"
#include "core/format/shardindex.h"
#include "core/io/localpath.h"

#include <algorithm>
#include <sys/stat.h>

namespace safescope::cli {

namespace {

enum class Kind
{
    Folder,
    Other
};

// lstat: a link to a folder is not walked (it could loop, or lead out of the tree the user named).
Kind kindOf(const QString& path, bool followLinks)
{
    struct stat info
    {
    };
    const QByteArray bytes = encodeLocalPath(path);
    const int result = followLinks ? ::stat(bytes.constData(), &info) : ::lstat(bytes.constData(), &info);
    return result == 0 && S_ISDIR(info.st_mode) ? Kind::Folder : Kind::Other;
}

Status walk(const QString& folder, QStringList& targets)
{
    const FolderContents contents = scanModelFolder(folder);
    if (!contents.index.isEmpty())
        targets.push_back(contents.index);
    else
        targets.append(contents.files);
    auto names = folderEntryNames(folder);
    if (!names)
        return names.error();
    std::sort(names->begin(), names->end(), naturalLess);
    for (const QString& name : *names) {
        const QString child =
            folder.endsWith(QLatin1Char('/')) ? QString(folder + name) : QString(folder + QLatin1Char('/') + name);
        if (kindOf(child, false) != Kind::Folder)
            continue;
        if (Status walked = walk(child, targets); !walked)
            return walked;
    }
    return Ok{};
}

} // namespace

Result<QStringList> metaTargets(const QStringList& arguments, bool recursive)
{
    QStringList targets;
    for (const QString& argument : arguments) {
        if (!recursive || kindOf(argument, true) != Kind::Folder) {
            targets.push_back(argument);
            continue;
        }
        const qsizetype before = targets.size();
        if (Status walked = walk(absoluteLocalPath(argument), targets); !walked)
            return walked.error();
        if (targets.size() == before)
            return makeError(ErrorKind::IoError,
                             QStringLiteral("%1: no .safetensors file or index in this folder or below").arg(argument),
                             argument);
    }
    return targets;
}

} // namespace safescope::cli
