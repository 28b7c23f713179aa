#include "core/modelfolder.h"

#include "core/shardindex.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

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

QString preferredIndex(const QDir& dir, const QStringList& fileNames)
{
    QString best;
    int bestRank = 3;
    for (const QString& name : fileNames) { // already in natural order: ties go to the first
        if (!isShardIndexName(name))
            continue;
        if (const int rank = indexPreference(name); rank < bestRank) {
            best = dir.absoluteFilePath(name);
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

FolderContents scanModelFolder(const QString& folder)
{
    const QDir dir(folder);
    // No QDir::System: opening a FIFO or device named *.safetensors would block or read forever.
    QStringList names = dir.entryList(QDir::Files, QDir::NoSort);
    sortNaturally(names);
    FolderContents contents;
    contents.index = preferredIndex(dir, names);
    if (!contents.index.isEmpty())
        return contents;
    for (const QString& name : names)
        if (name.endsWith(QLatin1StringView(".safetensors")))
            contents.files.push_back(dir.absoluteFilePath(name));
    return contents;
}

QStringList componentFolders(const QString& folder)
{
    const QDir dir(folder);
    QStringList names = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::NoSort);
    sortNaturally(names);
    QStringList components;
    for (const QString& name : names) {
        const QString path = dir.absoluteFilePath(name);
        const FolderContents contents = scanModelFolder(path);
        if (!contents.index.isEmpty() || !contents.files.isEmpty())
            components.push_back(path);
    }
    return components;
}

} // namespace safescope
