#include "core/platform/filesystem.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace safescope::platform {

int replaceFile(const std::string& from, const std::string& to)
{
    return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

int removeFile(const std::string& path)
{
    return ::unlink(path.c_str()) == 0 ? 0 : errno;
}

int makeFolder(const std::string& path)
{
    return ::mkdir(path.c_str(), 0777) == 0 ? 0 : errno;
}

int syncFolder(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    // Some file systems (and some FUSE mounts) refuse fsync on a directory; the rename is still atomic there.
    const int err = ::fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP ? 0 : errno;
    ::close(fd);
    return err;
}

int listFolder(const std::string& path, std::vector<FolderEntry>& entries)
{
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr)
        return errno;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..")
            entries.push_back({name});
        errno = 0;
    }
    const int err = errno;
    ::closedir(dir);
    return err;
}

int readLink(const std::string& path, std::string& target)
{
    std::string buffer(PATH_MAX, '\0');
    for (;;) {
        const ssize_t length = ::readlink(path.c_str(), buffer.data(), buffer.size());
        if (length < 0)
            return errno;
        if (static_cast<size_t>(length) < buffer.size()) {
            buffer.resize(static_cast<size_t>(length));
            target = std::move(buffer);
            return 0;
        }
        buffer.resize(buffer.size() * 2); // perhaps cut: ask again with more room
    }
}

int canonicalPath(const std::string& path, std::string& resolved)
{
    char* full = ::realpath(path.c_str(), nullptr);
    if (full == nullptr)
        return errno;
    resolved = full;
    std::free(full);
    return 0;
}

std::string currentFolder()
{
    std::string folder(4096, '\0');
    while (::getcwd(folder.data(), folder.size()) == nullptr) {
        if (errno != ERANGE)
            return {};
        folder.resize(folder.size() * 2);
    }
    folder.resize(folder.find('\0'));
    return folder;
}

int checkWritable(const std::string& path)
{
    if (::faccessat(AT_FDCWD, path.c_str(), F_OK, AT_EACCESS) != 0)
        return ENOENT; // not there, or not visible to us: nothing to protect
    return ::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0 ? 0 : errno;
}

unsigned defaultFilePermissions()
{
    // umask can only be read by setting it; done once, before threads that create files exist.
    static const unsigned permissions = [] {
        const mode_t mask = ::umask(022);
        ::umask(mask);
        return static_cast<unsigned>(0666 & ~mask);
    }();
    return permissions;
}

} // namespace safescope::platform
