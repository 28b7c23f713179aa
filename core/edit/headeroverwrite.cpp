#include "core/edit/headeroverwrite.h"

#include "core/io/atomicfilewriter.h"
#include "core/io/headerlock.h"

namespace safescope {

Status overwriteHeaderBytes(SystemFile& file, const QByteArray& bytes, const SaveHooks* hooks)
{
    auto lock = HeaderLock::forWriting(file.handle(), file.path());
    if (!lock)
        return lock.error();
    const auto size = static_cast<uint64_t>(bytes.size());
    const bool watched = hooks != nullptr && hooks->afterStep;
    const uint64_t first = watched ? size / 2 : size;
    Status written = file.writeAt(bytes.constData(), first, 0);
    if (written && first < size) {
        if (!hooks->stepReached(SaveStep::HeaderPartWritten))
            return stoppedAtStep(SaveStep::HeaderPartWritten, file.path());
        written = file.writeAt(bytes.constData() + first, size - first, first);
    }
    if (written)
        written = file.syncData(); // the file's size and blocks do not change: its timestamps need not be durable
    return written;
}

} // namespace safescope
