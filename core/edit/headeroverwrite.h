#pragma once

#include "core/edit/savehooks.h"
#include "core/format/error.h"
#include "core/io/systemfile.h"

#include <QByteArray>

namespace safescope {

/// Writes `bytes` over the first bytes of the open `file` (a new header of the old one's size) and makes them
/// durable, holding the exclusive header lock meanwhile so that no reader sees half of it. One pwrite, unless a
/// test watches the steps: then two, so that it can stop between them (SaveStep::HeaderPartWritten) and see a
/// torn header, which a real crash can produce when the header spans pages. Every in-place header write (a save,
/// a rollback, a recovery, a journal replay) goes through here.
Status overwriteHeaderBytes(SystemFile& file, const QByteArray& bytes, const SaveHooks* hooks = nullptr);

} // namespace safescope
