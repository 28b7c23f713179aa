#include "core/io/systemfile.h"

#include "core/io/localpath.h"
#include "core/io/regularfile.h"
#include "core/platform/filesystem.h"
#include "core/platform/systemerror.h"

#include <QFileInfo>

#include <cerrno>
#include <utility>

namespace safescope {

namespace {

std::string encoded(const QString& path)
{
    return encodeLocalPath(path).toStdString();
}

} // namespace

Error systemError(const QString& path, const QString& action, int err)
{
    return makeError(
        ErrorKind::IoError,
        QStringLiteral("cannot %1 '%2': %3").arg(action, path, QString::fromLocal8Bit(platform::errorText(err))), path);
}

Result<SystemFile> SystemFile::open(const QString& path, unsigned flags, const SaveHooks* hooks, unsigned permissions)
{
    if ((flags & platform::Create) != 0 && hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Create))
            return systemError(path, QStringLiteral("open for writing"), err);
    }
    // Model files and their records are regular files; a FIFO or a device under their name is refused at once.
    auto opened = openRegularFile(path, flags, permissions);
    if (!opened)
        return opened.error();
    SystemFile file;
    file.m_file = std::move(*opened);
    file.m_path = path;
    file.m_hooks = hooks;
    return file;
}

Result<SystemFile> SystemFile::createTempBeside(const QString& targetPath, unsigned permissions, const SaveHooks* hooks)
{
    const QFileInfo target(targetPath);
    const QString folder = target.absolutePath();
    // Hidden and clearly ours, so a leftover after a crash is recognisable and can be cleaned up.
    const QString pattern = folder + QStringLiteral("/.") + target.fileName() + QStringLiteral(".safescope-XXXXXX.tmp");
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Create))
            return systemError(targetPath, QStringLiteral("create a temporary file beside"), err);
    }
    std::string name = encoded(pattern);
    SystemFile file;
    if (const int err = platform::NativeFile::createUnique(name, 4, permissions, file.m_file))
        return systemError(targetPath, QStringLiteral("create a temporary file beside"), err);
    file.m_path = decodeLocalPath(QByteArray::fromStdString(name));
    file.m_hooks = hooks;
    return file;
}

Result<platform::FileStatus> SystemFile::status() const
{
    platform::FileStatus status;
    if (const int err = m_file.status(status))
        return systemError(m_path, QStringLiteral("inspect"), err);
    return status;
}

Status readExactly(const platform::NativeFile& file, const QString& path, void* buffer, uint64_t size, uint64_t offset)
{
    auto* out = static_cast<char*>(buffer);
    while (size > 0) {
        const int64_t got = file.readAt(out, size, offset);
        if (got < 0)
            return systemError(path, QStringLiteral("read"), static_cast<int>(-got));
        if (got == 0)
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("'%1' ended at byte %2, earlier than expected").arg(path).arg(offset), path,
                             std::nullopt, offset);
        out += got;
        size -= static_cast<uint64_t>(got);
        offset += static_cast<uint64_t>(got);
    }
    return Ok{};
}

Status SystemFile::readAt(void* buffer, uint64_t size, uint64_t offset) const
{
    return readExactly(m_file, m_path, buffer, size, offset);
}

Status SystemFile::writeAt(const void* buffer, uint64_t size, uint64_t offset)
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Write))
            return systemError(m_path, QStringLiteral("write"), err);
    }
    const auto* in = static_cast<const char*>(buffer);
    while (size > 0) {
        const int64_t put = m_file.writeAt(in, size, offset);
        if (put <= 0)
            return systemError(m_path, QStringLiteral("write"), put < 0 ? static_cast<int>(-put) : ENOSPC);
        in += put;
        size -= static_cast<uint64_t>(put);
        offset += static_cast<uint64_t>(put);
    }
    return Ok{};
}

Status SystemFile::preallocate(uint64_t size)
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Allocate))
            return systemError(m_path, QStringLiteral("reserve space for"), err);
    }
    if (const int err = m_file.preallocate(size))
        return systemError(m_path, QStringLiteral("reserve space for"), err);
    return Ok{};
}

Status SystemFile::sync()
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Sync))
            return systemError(m_path, QStringLiteral("flush to disk"), err);
    }
    if (const int err = m_file.syncAll())
        return systemError(m_path, QStringLiteral("flush to disk"), err);
    return Ok{};
}

Status SystemFile::syncData()
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Sync))
            return systemError(m_path, QStringLiteral("flush to disk"), err);
    }
    if (const int err = m_file.syncData())
        return systemError(m_path, QStringLiteral("flush to disk"), err);
    return Ok{};
}

Status SystemFile::close()
{
    if (const int err = m_file.close())
        return systemError(m_path, QStringLiteral("close"), err);
    return Ok{};
}

Status syncDirectory(const QString& folder, const SaveHooks* hooks)
{
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Sync))
            return systemError(folder, QStringLiteral("flush the folder"), err);
    }
    if (const int err = platform::syncFolder(encoded(folder)))
        return systemError(folder, QStringLiteral("flush the folder"), err);
    return Ok{};
}

Status renameFile(const QString& from, const QString& to, const SaveHooks* hooks)
{
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Rename))
            return systemError(to, QStringLiteral("replace"), err);
    }
    if (const int err = platform::replaceFile(encoded(from), encoded(to)))
        return systemError(to, QStringLiteral("replace"), err);
    return Ok{};
}

Status removeFile(const QString& path, const SaveHooks* hooks)
{
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Remove))
            return systemError(path, QStringLiteral("remove"), err);
    }
    if (const int err = platform::removeFile(encoded(path)); err != 0 && err != ENOENT)
        return systemError(path, QStringLiteral("remove"), err);
    return Ok{};
}

Status makeFolders(const QString& folder)
{
    const QByteArray bytes = encodeLocalPath(folder);
    // Each prefix ending before a '/' in turn; an existing one is fine, a file in the way is reported by mkdir.
    for (qsizetype end = 1; end <= bytes.size(); ++end) {
        if (end < bytes.size() && bytes[end] != '/')
            continue;
        const std::string prefix = bytes.left(end).toStdString();
        platform::FileStatus status;
        if (platform::statusOf(prefix, platform::FollowLinks::Yes, status) == 0 &&
            status.kind == platform::FileKind::Folder)
            continue;
        if (const int err = platform::makeFolder(prefix); err != 0 && err != EEXIST)
            return systemError(decodeLocalPath(QByteArray::fromStdString(prefix)), QStringLiteral("create the folder"),
                               err);
    }
    return Ok{};
}

QString folderOf(const QString& path)
{
    return QFileInfo(path).absolutePath();
}

} // namespace safescope
