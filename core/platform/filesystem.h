#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace safescope::platform {

// Operations on names rather than open files. Each returns 0 or an errno value (see systemerror.h).

/// Renames `from` over `to`, atomically replacing it (rename(2); Windows MoveFileExW with REPLACE_EXISTING and
/// WRITE_THROUGH, then ReplaceFileW when the target is held open by a program that allows deletion).
int replaceFile(const std::string& from, const std::string& to);
/// unlink; ENOENT when there was nothing to remove.
int removeFile(const std::string& path);
/// mkdir of one folder; EEXIST when the name exists.
int makeFolder(const std::string& path);
/// Durable flush of a folder, so a create, rename or unlink inside it survives a power cut (fsync of the folder;
/// Windows has no such call and needs none: MOVEFILE_WRITE_THROUGH made the rename durable).
int syncFolder(const std::string& path);

struct FolderEntry
{
    std::string name;
};
/// The names in a folder, "." and ".." left out, in the system's order.
int listFolder(const std::string& path, std::vector<FolderEntry>& entries);

/// The target of a symbolic link as stored (readlink). EINVAL when `path` is not a link.
int readLink(const std::string& path, std::string& target);
/// The canonical absolute path, links resolved (realpath / GetFinalPathNameByHandleW).
int canonicalPath(const std::string& path, std::string& resolved);
/// The current folder (getcwd).
std::string currentFolder();
/// Whether this process may write the existing file `path` (faccessat W_OK with the effective ids; Windows: an
/// open for writing, which the access control lists decide): 0, ENOENT when it does not exist (or cannot be
/// seen), else EACCES or EROFS.
int checkWritable(const std::string& path);
/// The permissions a new file gets by default: 0666 minus the umask (Windows: 0666).
unsigned defaultFilePermissions();

} // namespace safescope::platform
