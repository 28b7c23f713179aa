#include "core/io/posixfile.h"

#include "core/io/localpath.h"
#include "core/io/regularfile.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <utility>

namespace safescope {

namespace {

// Each call moves at most 1 GiB: Linux caps a single read/write near 2 GiB anyway.
constexpr uint64_t kMaxIo = uint64_t{1} << 30;

QByteArray encoded(const QString& path)
{
    return encodeLocalPath(path);
}

} // namespace

Error systemError(const QString& path, const QString& action, int err)
{
    return makeError(ErrorKind::IoError,
                     QStringLiteral("cannot %1 '%2': %3").arg(action, path, QString::fromLocal8Bit(std::strerror(err))),
                     path);
}

PosixFile::~PosixFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

PosixFile::PosixFile(PosixFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_path(std::move(other.m_path)), m_hooks(other.m_hooks)
{}

PosixFile& PosixFile::operator=(PosixFile&& other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
        m_path = std::move(other.m_path);
        m_hooks = other.m_hooks;
    }
    return *this;
}

Result<PosixFile> PosixFile::open(const QString& path, int flags, const SaveHooks* hooks, mode_t mode)
{
    if ((flags & O_CREAT) != 0 && hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Create))
            return systemError(path, QStringLiteral("open for writing"), err);
    }
    // Model files and their records are regular files; a FIFO or a device under their name is refused at once.
    auto fd = openRegularFile(path, flags, mode);
    if (!fd)
        return fd.error();
    PosixFile file;
    file.m_fd = *fd;
    file.m_path = path;
    file.m_hooks = hooks;
    return file;
}

Result<PosixFile> PosixFile::createTempBeside(const QString& targetPath, mode_t mode, const SaveHooks* hooks)
{
    const QFileInfo target(targetPath);
    const QString folder = target.absolutePath();
    // Hidden and clearly ours, so a leftover after a crash is recognisable and can be cleaned up.
    const QString pattern = folder + QStringLiteral("/.") + target.fileName() + QStringLiteral(".safescope-XXXXXX.tmp");
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Create))
            return systemError(targetPath, QStringLiteral("create a temporary file beside"), err);
    }
    QByteArray name = encoded(pattern);
    const int fd = ::mkostemps(name.data(), 4, O_CLOEXEC);
    if (fd < 0)
        return systemError(targetPath, QStringLiteral("create a temporary file beside"), errno);
    PosixFile file;
    file.m_fd = fd;
    file.m_path = decodeLocalPath(name);
    file.m_hooks = hooks;
    if (::fchmod(fd, mode) != 0) {
        const int err = errno;
        ::unlink(name.constData());
        return systemError(file.m_path, QStringLiteral("set permissions of"), err);
    }
    return file;
}

Result<struct stat> PosixFile::status() const
{
    struct stat info
    {
    };
    if (::fstat(m_fd, &info) != 0)
        return systemError(m_path, QStringLiteral("inspect"), errno);
    return info;
}

Status PosixFile::readAt(void* buffer, uint64_t size, uint64_t offset) const
{
    auto* out = static_cast<char*>(buffer);
    while (size > 0) {
        const ssize_t got = ::pread(m_fd, out, std::min(size, kMaxIo), static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return systemError(m_path, QStringLiteral("read"), errno);
        if (got == 0)
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("'%1' ended at byte %2, earlier than expected").arg(m_path).arg(offset),
                             m_path, std::nullopt, offset);
        out += got;
        size -= static_cast<uint64_t>(got);
        offset += static_cast<uint64_t>(got);
    }
    return Ok{};
}

Status PosixFile::writeAt(const void* buffer, uint64_t size, uint64_t offset)
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Write))
            return systemError(m_path, QStringLiteral("write"), err);
    }
    const auto* in = static_cast<const char*>(buffer);
    while (size > 0) {
        const ssize_t put = ::pwrite(m_fd, in, std::min(size, kMaxIo), static_cast<off_t>(offset));
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return systemError(m_path, QStringLiteral("write"), put < 0 ? errno : ENOSPC);
        in += put;
        size -= static_cast<uint64_t>(put);
        offset += static_cast<uint64_t>(put);
    }
    return Ok{};
}

Status PosixFile::preallocate(uint64_t size)
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Allocate))
            return systemError(m_path, QStringLiteral("reserve space for"), err);
    }
#ifdef __linux__
    if (size == 0)
        return Ok{};
    int result = 0;
    do {
        result = ::fallocate(m_fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(size));
    } while (result != 0 && errno == EINTR);
    // Not offered here (tmpfs of old kernels, FUSE, NFS v3): the writes allocate as they go, as without this call.
    if (result != 0 && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
        return systemError(m_path, QStringLiteral("reserve space for"), errno);
#else
    (void)size;
#endif
    return Ok{};
}

Status PosixFile::sync()
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Sync))
            return systemError(m_path, QStringLiteral("flush to disk"), err);
    }
    if (::fsync(m_fd) != 0)
        return systemError(m_path, QStringLiteral("flush to disk"), errno);
    return Ok{};
}

Status PosixFile::syncData()
{
    if (m_hooks != nullptr) {
        if (const int err = m_hooks->fault(IoOperation::Sync))
            return systemError(m_path, QStringLiteral("flush to disk"), err);
    }
    if (::fdatasync(m_fd) != 0)
        return systemError(m_path, QStringLiteral("flush to disk"), errno);
    return Ok{};
}

Status PosixFile::close()
{
    if (m_fd < 0)
        return Ok{};
    const int fd = std::exchange(m_fd, -1);
    if (::close(fd) != 0 && errno != EINTR)
        return systemError(m_path, QStringLiteral("close"), errno);
    return Ok{};
}

Status syncDirectory(const QString& folder, const SaveHooks* hooks)
{
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Sync))
            return systemError(folder, QStringLiteral("flush the folder"), err);
    }
    const int fd = ::open(encoded(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return systemError(folder, QStringLiteral("open the folder"), errno);
    // Some file systems (and some FUSE mounts) refuse fsync on a directory; the rename is still atomic there.
    const bool failed = ::fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP;
    const int err = errno;
    ::close(fd);
    if (failed)
        return systemError(folder, QStringLiteral("flush the folder"), err);
    return Ok{};
}

Status renameFile(const QString& from, const QString& to, const SaveHooks* hooks)
{
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Rename))
            return systemError(to, QStringLiteral("replace"), err);
    }
    if (::rename(encoded(from).constData(), encoded(to).constData()) != 0)
        return systemError(to, QStringLiteral("replace"), errno);
    return Ok{};
}

Status removeFile(const QString& path, const SaveHooks* hooks)
{
    if (hooks != nullptr) {
        if (const int err = hooks->fault(IoOperation::Remove))
            return systemError(path, QStringLiteral("remove"), err);
    }
    if (::unlink(encoded(path).constData()) != 0 && errno != ENOENT)
        return systemError(path, QStringLiteral("remove"), errno);
    return Ok{};
}

Status makeFolders(const QString& folder)
{
    const QByteArray bytes = encodeLocalPath(folder);
    // Each prefix ending before a '/' in turn; an existing one is fine, a file in the way is reported by mkdir.
    for (qsizetype end = 1; end <= bytes.size(); ++end) {
        if (end < bytes.size() && bytes[end] != '/')
            continue;
        const QByteArray prefix = bytes.left(end);
        struct stat info = {};
        if (::stat(prefix.constData(), &info) == 0 && S_ISDIR(info.st_mode))
            continue;
        if (::mkdir(prefix.constData(), 0777) != 0 && errno != EEXIST)
            return systemError(decodeLocalPath(prefix), QStringLiteral("create the folder"), errno);
    }
    return Ok{};
}

QString folderOf(const QString& path)
{
    return QFileInfo(path).absolutePath();
}

} // namespace safescope
