#include "core/io/atomicfilewriter.h"

namespace safescope {

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::create(const QString& targetPath, unsigned mode,
                                                                   const SaveHooks* hooks)
{
    auto file = SystemFile::createTempBeside(targetPath, mode, hooks);
    if (!file)
        return file.error();
    std::unique_ptr<AtomicFileWriter> writer(new AtomicFileWriter);
    writer->m_tempPath = file->path();
    writer->m_file = std::move(*file);
    writer->m_targetPath = targetPath;
    writer->m_hooks = hooks;
    return writer;
}

AtomicFileWriter::~AtomicFileWriter()
{
    if (!m_done)
        discard();
}

Status AtomicFileWriter::finish()
{
    if (Status synced = m_file.sync(); !synced)
        return synced;
    return m_file.close();
}

Status AtomicFileWriter::commit()
{
    if (Status closed = m_file.close(); !closed)
        return closed;
    if (Status renamed = renameFile(m_tempPath, m_targetPath, m_hooks); !renamed)
        return renamed;
    m_done = true;
    if (m_hooks != nullptr && !m_hooks->stepReached(SaveStep::Renamed))
        return stoppedAtStep(SaveStep::Renamed, m_targetPath);
    return syncDirectory(folderOf(m_targetPath), m_hooks);
}

void AtomicFileWriter::discard()
{
    m_done = true;
    (void)m_file.close();
    (void)removeFile(m_tempPath); // no hooks: cleanup must not be failed by an injected fault
}

Error stoppedAtStep(SaveStep step, const QString& path)
{
    return makeError(ErrorKind::Cancelled,
                     QStringLiteral("the save of '%1' was stopped after step %2 (test seam)")
                         .arg(path, QLatin1StringView(saveStepName(step))),
                     path);
}

} // namespace safescope
