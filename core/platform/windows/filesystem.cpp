#include "core/platform/filesystem.h"

#include "core/platform/windows/widepath.h"

#include <cerrno>
#include <windows.h>

namespace safescope::platform {

namespace {

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// "\\?\C:\x" and "\\?\UNC\server\x" as GetFinalPathNameByHandleW returns them, without the prefix.
std::wstring withoutLongPrefix(std::wstring path)
{
    if (path.rfind(L"\\\\?\\UNC\\", 0) == 0)
        return L"\\\\" + path.substr(8);
    if (path.rfind(L"\\\\?\\", 0) == 0)
        return path.substr(4);
    return path;
}

} // namespace

int replaceFile(const std::string& from, const std::string& to)
{
    const std::wstring source = widePath(from);
    const std::wstring target = widePath(to);
    // WRITE_THROUGH: returns only once the rename is on the disk (there is no folder to fsync on Windows).
    if (::MoveFileExW(source.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return 0;
    const int err = lastError();
    // A target another program holds open (with delete sharing) may refuse the move but accept ReplaceFileW.
    if (err == EACCES &&
        ::ReplaceFileW(target.c_str(), source.c_str(), nullptr, REPLACEFILE_IGNORE_MERGE_ERRORS, nullptr, nullptr))
        return 0;
    return err;
}

int removeFile(const std::string& path)
{
    return ::DeleteFileW(widePath(path).c_str()) ? 0 : lastError();
}

int makeFolder(const std::string& path)
{
    return ::CreateDirectoryW(widePath(path).c_str(), nullptr) ? 0 : lastError();
}

int syncFolder(const std::string& path)
{
    (void)path; // no such call on Windows; MOVEFILE_WRITE_THROUGH made the rename durable
    return 0;
}

int listFolder(const std::string& path, std::vector<FolderEntry>& entries)
{
    std::wstring pattern = widePath(path);
    if (!pattern.empty() && pattern.back() != L'\\')
        pattern += L'\\';
    pattern += L'*';
    WIN32_FIND_DATAW found = {};
    const HANDLE search = ::FindFirstFileW(pattern.c_str(), &found);
    if (search == INVALID_HANDLE_VALUE)
        return ::GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : lastError();
    do {
        const std::wstring name = found.cFileName;
        if (name != L"." && name != L"..")
            entries.push_back({narrowPath(name)});
    } while (::FindNextFileW(search, &found));
    const DWORD error = ::GetLastError();
    ::FindClose(search);
    return error == ERROR_NO_MORE_FILES ? 0 : errnoFromWin32(error);
}

int readLink(const std::string& path, std::string& target)
{
    // Reading a link's stored text takes FSCTL_GET_REPARSE_POINT; where it leads in the end serves every caller
    // (which follow links to the file they name) as well.
    return canonicalPath(path, target);
}

int canonicalPath(const std::string& path, std::string& resolved)
{
    const HANDLE file = ::CreateFileW(widePath(path).c_str(), 0, kShareAll, nullptr, OPEN_EXISTING,
                                      FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (file == INVALID_HANDLE_VALUE)
        return lastError();
    std::wstring buffer(MAX_PATH, L'\0');
    DWORD length = ::GetFinalPathNameByHandleW(file, buffer.data(), static_cast<DWORD>(buffer.size()), 0);
    if (length >= buffer.size()) {
        buffer.resize(length + 1);
        length = ::GetFinalPathNameByHandleW(file, buffer.data(), static_cast<DWORD>(buffer.size()), 0);
    }
    const int err = length == 0 ? lastError() : 0;
    ::CloseHandle(file);
    if (err != 0)
        return err;
    buffer.resize(length);
    resolved = narrowPath(withoutLongPrefix(buffer));
    return 0;
}

std::string currentFolder()
{
    const DWORD length = ::GetCurrentDirectoryW(0, nullptr);
    std::wstring folder(length, L'\0');
    const DWORD written = ::GetCurrentDirectoryW(length, folder.data());
    folder.resize(written);
    return narrowPath(folder);
}

int checkWritable(const std::string& path)
{
    // Access control lists decide, so ask by opening for writing (without changing anything).
    const HANDLE file =
        ::CreateFileW(widePath(path).c_str(), GENERIC_WRITE, kShareAll, nullptr, OPEN_EXISTING, 0, nullptr);
    if (file == INVALID_HANDLE_VALUE)
        return lastError();
    ::CloseHandle(file);
    return 0;
}

unsigned defaultFilePermissions()
{
    return 0666;
}

} // namespace safescope::platform
