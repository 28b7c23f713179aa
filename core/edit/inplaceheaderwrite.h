#pragma once

#include "core/edit/headersnapshot.h"
#include "core/format/error.h"
#include "core/io/systemfile.h"

#include <QByteArray>

namespace safescope {

/// Replaces the header of the open (read-write) `file`, read before as `old`, with `newBytes` of the same size
/// (the 8-byte length and N header bytes), crash-safely: recovery record written and made durable, header written
/// and made durable, the file re-opened by its path and its header re-read and strictly validated, record removed.
/// A failure before the record is removed puts the old bytes back. The data region is never touched. Returns the
/// re-opened header.
Result<HeaderSnapshot> writeHeaderInPlace(SystemFile& file, const HeaderSnapshot& old, const QByteArray& newBytes,
                                          const SaveHooks& hooks);

} // namespace safescope
