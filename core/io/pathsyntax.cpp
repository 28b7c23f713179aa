#include "core/io/pathsyntax.h"

#include <algorithm>

namespace safescope {

namespace {

bool isSeparator(QChar c, PathStyle style)
{
    return c == u'/' || (style == PathStyle::Windows && c == u'\\');
}

bool isDriveLetter(QChar c)
{
    return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z');
}

struct SplitRoot
{
    QString root;  ///< as pathRoot() writes it
    qsizetype end; ///< where the names after the root begin
};

// The "//server/share/" root of a UNC path whose server name starts at `from`.
SplitRoot uncRoot(const QString& path, qsizetype from, PathStyle style)
{
    QStringList names;
    qsizetype i = from;
    while (names.size() < 2 && i < path.size()) {
        qsizetype j = i;
        while (j < path.size() && !isSeparator(path[j], style))
            ++j;
        if (j > i)
            names << path.mid(i, j - i);
        i = j + 1;
    }
    return {QStringLiteral("//") + names.join(u'/') + u'/', std::min(i, path.size())};
}

SplitRoot splitWindowsRoot(const QString& path)
{
    const PathStyle style = PathStyle::Windows;
    // The long forms, "\\?\C:\x" and "\\?\UNC\server\share\x", name the same files as "C:\x" and "\\server\share\x".
    for (const QLatin1StringView prefix : {QLatin1StringView("\\\\?\\"), QLatin1StringView("//?/")}) {
        if (!path.startsWith(prefix))
            continue;
        const QString rest = path.mid(prefix.size());
        if (rest.startsWith(QLatin1StringView("UNC"), Qt::CaseInsensitive) && rest.size() > 3 &&
            isSeparator(rest[3], style)) {
            SplitRoot unc = uncRoot(rest, 4, style);
            unc.end += prefix.size();
            return unc;
        }
        SplitRoot drive = splitWindowsRoot(rest);
        drive.end += prefix.size();
        return drive;
    }
    if (path.size() >= 2 && isDriveLetter(path[0]) && path[1] == u':') {
        const qsizetype end = path.size() > 2 && isSeparator(path[2], style) ? 3 : 2;
        return {path.left(2) + u'/', end};
    }
    if (path.size() >= 2 && isSeparator(path[0], style) && isSeparator(path[1], style))
        return uncRoot(path, 2, style);
    if (!path.isEmpty() && isSeparator(path[0], style))
        return {QStringLiteral("/"), 1}; // the root of the current drive: cleanAbsolutePath() names the drive
    return {QString(), 0};
}

SplitRoot splitRoot(const QString& path, PathStyle style)
{
    if (style == PathStyle::Windows)
        return splitWindowsRoot(path);
    return path.startsWith(u'/') ? SplitRoot{QStringLiteral("/"), 1} : SplitRoot{QString(), 0};
}

QStringList piecesAfter(const QString& path, qsizetype from, PathStyle style)
{
    QStringList pieces;
    qsizetype start = from;
    for (qsizetype i = from; i <= path.size(); ++i) {
        if (i < path.size() && !isSeparator(path[i], style))
            continue;
        if (i > start)
            pieces << path.mid(start, i - start);
        start = i + 1;
    }
    return pieces;
}

} // namespace

QString pathRoot(const QString& path, PathStyle style)
{
    const SplitRoot split = splitRoot(path, style);
    // "\x" on Windows is rooted only at the current drive: it is not absolute on its own.
    return style == PathStyle::Windows && split.root == QLatin1StringView("/") ? QString() : split.root;
}

QStringList pathPieces(const QString& path, PathStyle style)
{
    return piecesAfter(path, splitRoot(path, style).end, style);
}

QString cleanAbsolutePath(const QString& path, const QString& currentFolder, PathStyle style)
{
    SplitRoot split = splitRoot(path, style);
    QStringList pieces;
    if (split.root.isEmpty() || (style == PathStyle::Windows && split.root == QLatin1StringView("/"))) {
        const SplitRoot base = splitRoot(currentFolder, style);
        if (split.root.isEmpty())
            pieces = piecesAfter(currentFolder, base.end, style);
        split.root = base.root;
    }
    pieces += piecesAfter(path, split.end, style);
    QStringList kept;
    for (const QString& piece : pieces) {
        if (piece == QLatin1StringView("."))
            continue;
        if (piece == QLatin1StringView("..")) {
            if (!kept.isEmpty())
                kept.removeLast();
            continue;
        }
        kept.append(piece);
    }
    return split.root + kept.join(u'/');
}

} // namespace safescope
