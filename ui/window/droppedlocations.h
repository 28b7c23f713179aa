#pragma once

#include <QStringList>

class QMimeData;

namespace safescope {

/// What a drop holds that can be opened: local files, http(s):// URLs (text/uri-list), or text naming remote
/// locations (a browser's link text, a hf:// name copied from a terminal), one per line. Empty when nothing is.
QStringList droppedLocations(const QMimeData* mime);

} // namespace safescope
