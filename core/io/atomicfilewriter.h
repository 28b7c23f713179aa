#pragma once

#include "core/format/error.h"
#include "core/io/systemfile.h"

#include <QString>

#include <memory>

namespace safescope {

/// A new file built under a temporary name beside its target and renamed over it only when complete and synced:
/// readers (and a crash) see the old file or the whole new one, never a part. Destroying an uncommitted writer
/// removes the temporary file.
class AtomicFileWriter final
{
public:
    /// Creates the temporary file in the target's folder with permissions `mode`.
    static Result<std::unique_ptr<AtomicFileWriter>> create(const QString& targetPath, unsigned mode,
                                                            const SaveHooks* hooks = nullptr);
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    SystemFile& file() { return m_file; }
    const QString& tempPath() const { return m_tempPath; }
    const QString& targetPath() const { return m_targetPath; }

    /// fsync and close: after this the bytes are durable under the temporary name.
    Status finish();
    /// Renames over the target (atomic on one file system) and syncs the folder so the rename is durable.
    /// A step hook that stops after the rename leaves the folder unsynced, as a crash would.
    Status commit();
    /// Removes the temporary file now.
    void discard();
    /// Leaves the temporary file behind, as a crash would (crash-simulation tests only).
    void abandon() { m_done = true; }

private:
    AtomicFileWriter() = default;

    SystemFile m_file;
    QString m_tempPath;
    QString m_targetPath;
    const SaveHooks* m_hooks = nullptr;
    bool m_done = false;
};

/// The Cancelled error a save returns when a step hook stops it (tests only).
Error stoppedAtStep(SaveStep step, const QString& path);

} // namespace safescope
