#pragma once

#include "core/format/error.h"

#include <QByteArray>
#include <QString>

namespace safescope {

/// The whole of a small file (a recovery record, a transaction journal), read by the bytes of its name.
Result<QByteArray> readWholeFile(const QString& path);

} // namespace safescope
