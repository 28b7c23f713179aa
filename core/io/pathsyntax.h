#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>

namespace safescope {

/// How a system spells paths. Kept apart from the system calls (core/platform) so both spellings are tested on
/// every system: the CI runs Linux, and the Windows rules must not wait for a Windows machine to be checked.
enum class PathStyle : uint8_t
{
    Posix,  ///< '/' separates; "/" is the one root; '\\' is an ordinary character of a name
    Windows ///< '/' and '\\' separate; roots are "C:/", "//server/share/" (and their "\\\\?\\" long forms)
};

#ifdef _WIN32
inline constexpr PathStyle kNativePathStyle = PathStyle::Windows;
#else
inline constexpr PathStyle kNativePathStyle = PathStyle::Posix;
#endif

/// The root an absolute path starts with, written with '/' ("/", "C:/", "//server/share/"); empty when the path
/// is relative. A Windows path such as "\\\\?\\C:\\x" (the form GetFinalPathNameByHandleW returns) has root "C:/".
QString pathRoot(const QString& path, PathStyle style = kNativePathStyle);

/// The names between separators after the root, empty names dropped ("a//b/" gives a, b).
QStringList pathPieces(const QString& path, PathStyle style = kNativePathStyle);

/// `path` made absolute against `currentFolder` (itself absolute) and cleaned: "." dropped, ".." removing the
/// name before it (never the root), separators written as '/'. Names are kept exactly as they are (no case or
/// encoding change). On Windows a path rooted at the current drive ("\\x") takes the drive of `currentFolder`,
/// and a drive-relative "C:x" is read as "C:/x" (the per-drive current folders of Windows are not asked for).
QString cleanAbsolutePath(const QString& path, const QString& currentFolder, PathStyle style = kNativePathStyle);

} // namespace safescope
