#include "core/format/modelfolder.h"

#include "core/format/shardindex.h"
#include "core/io/localpath.h"
#include "core/platform/filestatus.h"
#include "core/platform/filesystem.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace safescope {

namespace {

void sortNaturally(QStringList& names)
{
    std::sort(names.begin(), names.end(), naturalLess);
}

// The unsuffixed names are what loaders pick by default; variants such as .fp16. are chosen explicitly.
int indexPreference(const QString& name)
{
    if (name == QLatin1StringView("model.safetensors.index.json") ||
        name == QLatin1StringView("diffusion_pytorch_model.safetensors.index.json"))
        return 0;
    if (name.endsWith(QLatin1StringView(".safetensors.index.json")))
        return 1;
    return 2;
}

// `name` inside `folder`, made absolute as a string: QDir::absoluteFilePath() of a relative folder would pass it
// through the system's encoding and lose bytes that are not UTF-8.
QString pathIn(const QString& folder, const QString& name)
{
    const QString absolute = absoluteLocalPath(folder);
    return absolute.endsWith(QLatin1Char('/')) ? QString(absolute + name) : QString(absolute + QLatin1Char('/') + name);
}

QString preferredIndex(const QString& folder, const QStringList& fileNames)
{
    QString best;
    int bestRank = 3;
    for (const QString& name : fileNames) { // already in natural order: ties go to the first
        if (!isShardIndexName(name))
            continue;
        if (const int rank = indexPreference(name); rank < bestRank) {
            best = pathIn(folder, name);
            bestRank = rank;
        }
    }
    return best;
}

} // namespace

bool naturalLess(const QString& left, const QString& right)
{
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < left.size() && j < right.size()) {
        if (left[i].isDigit() && right[j].isDigit()) {
            // Compare digit runs by value: skip leading zeros, then the longer run is larger.
            qsizetype li = i;
            qsizetype rj = j;
            while (li < left.size() && left[li] == QLatin1Char('0'))
                ++li;
            while (rj < right.size() && right[rj] == QLatin1Char('0'))
                ++rj;
            qsizetype le = li;
            qsizetype re = rj;
            while (le < left.size() && left[le].isDigit())
                ++le;
            while (re < right.size() && right[re].isDigit())
                ++re;
            if (le - li != re - rj)
                return le - li < re - rj;
            if (const int order = QStringView(left).sliced(li, le - li).compare(QStringView(right).sliced(rj, re - rj));
                order != 0)
                return order < 0;
            i = le;
            j = re;
            continue;
        }
        if (left[i] != right[j])
            return left[i] < right[j];
        ++i;
        ++j;
    }
    if ((left.size() - i) != (right.size() - j))
        return left.size() - i < right.size() - j;
    return left < right; // equal by value ("01" vs "1"): any stable, total order will do
}

namespace {

enum class EntryKind
{
    /// Regular files, plus whatever else is named *.safetensors (a FIFO, a device): opening those is refused at once
    /// by name (core/io/regularfile.h), and the refusal is a warning the user sees instead of a silent gap.
    RegularFiles,
    Folders
};

// Names in `folder` (symbolic links followed), read as bytes: QDir::entryList would turn a name that is not UTF-8
// into U+FFFD and the file could not be opened again (see core/io/localpath.h).
QStringList listFolder(const QString& folder, EntryKind kind)
{
    QStringList names;
    const std::string base = encodeLocalPath(folder).toStdString();
    std::vector<platform::FolderEntry> entries;
    if (platform::listFolder(base, entries) != 0)
        return names;
    for (const platform::FolderEntry& entry : entries) {
        const std::string_view name(entry.name);
        platform::FileStatus info;
        if (platform::statusOf(base + '/' + entry.name, platform::FollowLinks::Yes, info) != 0)
            continue; // a dangling link or an entry removed meanwhile
        const bool isFolder = info.kind == platform::FileKind::Folder;
        const bool wanted = kind == EntryKind::Folders ? isFolder
                                                       : info.kind == platform::FileKind::Regular ||
                                                             (!isFolder && name.ends_with(".safetensors"));
        if (wanted)
            names.append(decodeLocalPath(QByteArray::fromStdString(entry.name)));
    }
    return names;
}

} // namespace

FolderContents scanModelFolder(const QString& folder)
{
    QStringList names = listFolder(folder, EntryKind::RegularFiles);
    sortNaturally(names);
    FolderContents contents;
    contents.index = preferredIndex(folder, names);
    if (!contents.index.isEmpty())
        return contents;
    for (const QString& name : names)
        if (name.endsWith(QLatin1StringView(".safetensors")))
            contents.files.push_back(pathIn(folder, name));
    return contents;
}

QStringList componentFolders(const QString& folder)
{
    QStringList names = listFolder(folder, EntryKind::Folders);
    sortNaturally(names);
    QStringList components;
    for (const QString& name : names) {
        const QString path = pathIn(folder, name);
        const FolderContents contents = scanModelFolder(path);
        if (!contents.index.isEmpty() || !contents.files.isEmpty())
            components.push_back(path);
    }
    return components;
}

} // namespace safescope
