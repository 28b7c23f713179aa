#pragma once

#include "core/format/error.h"

#include <QString>
#include <QStringList>

namespace safescope {

/// The names in `folder` (not "." and ".."), read as bytes with readdir and decoded with decodeLocalPath(), so a
/// name that is not UTF-8 comes back exactly and can be matched and opened again. Callers match names by prefix
/// and suffix, never through QDir name filters: those are wildcards built into regular expressions, which a file
/// name holding '[' or a lone surrogate breaks ("invalid QRegularExpression"), and QDir decodes names lossily.
Result<QStringList> folderEntryNames(const QString& folder);

/// Whether something exists at `path` (lstat of its bytes; QFileInfo::exists would look up a lossily encoded name).
bool localPathExists(const QString& path);

} // namespace safescope
