#pragma once

#include "core/error.h"
#include "core/posixfile.h"

#include <QByteArray>

namespace safescope {

/// Replaces the first oldBytes.size() bytes of the open file `file` (the 8-byte length and N header bytes) with
/// `newBytes` of the same size, crash-safely: recovery record written and synced, header written and synced,
/// header re-validated, record removed. A failed write puts the old bytes back. The data region is never touched.
Status writeHeaderInPlace(PosixFile& file, const QByteArray& oldBytes, const QByteArray& newBytes,
                          const SaveHooks& hooks);

} // namespace safescope
