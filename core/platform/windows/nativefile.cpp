#include "core/platform/nativefile.h"

#include "core/platform/windows/widepath.h"

#include <algorithm>
#include <cerrno>
#include <random>
#include <utility>
#include <windows.h>

namespace safescope::platform {

namespace {

// ReadFile/WriteFile take a 32-bit count; 1 GiB per call, as on POSIX.
constexpr uint64_t kMaxIo = uint64_t{1} << 30;
// Every share mode: another program (or this one) may read, write, rename over or delete the file while it is
// open, which is what POSIX allows and what SafeScope's saves and its watchers of other programs' saves expect.
constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

HANDLE handleOf(NativeHandle handle)
{
    return reinterpret_cast<HANDLE>(handle);
}

OVERLAPPED at(uint64_t offset)
{
    OVERLAPPED overlapped = {};
    overlapped.Offset = static_cast<DWORD>(offset);
    overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
    return overlapped;
}

DWORD dispositionOf(unsigned flags)
{
    if ((flags & Create) != 0 && (flags & Exclusive) != 0)
        return CREATE_NEW;
    if ((flags & Create) != 0)
        return (flags & Truncate) != 0 ? CREATE_ALWAYS : OPEN_ALWAYS;
    return (flags & Truncate) != 0 ? TRUNCATE_EXISTING : OPEN_EXISTING;
}

DWORD attributesOf(unsigned permissions)
{
    return (permissions & 0200) == 0 ? FILE_ATTRIBUTE_READONLY : FILE_ATTRIBUTE_NORMAL;
}

} // namespace

NativeFile::~NativeFile()
{
    (void)close();
}

NativeFile::NativeFile(NativeFile&& other) noexcept : m_handle(std::exchange(other.m_handle, kNoHandle)) {}

NativeFile& NativeFile::operator=(NativeFile&& other) noexcept
{
    if (this != &other) {
        (void)close();
        m_handle = std::exchange(other.m_handle, kNoHandle);
    }
    return *this;
}

int NativeFile::open(const std::string& path, unsigned flags, unsigned permissions, NativeFile& file)
{
    const std::wstring wide = widePath(path);
    DWORD access = GENERIC_READ;
    if ((flags & ReadWrite) != 0)
        access = GENERIC_READ | GENERIC_WRITE;
    else if ((flags & WriteOnly) != 0)
        access = GENERIC_WRITE;
    const HANDLE handle = ::CreateFileW(wide.c_str(), access, kShareAll, nullptr, dispositionOf(flags),
                                        attributesOf(permissions), nullptr);
    if (handle == INVALID_HANDLE_VALUE) {
        const int err = lastError();
        // CreateFileW refuses a folder with "access denied"; say what POSIX says.
        const DWORD attributes = ::GetFileAttributesW(wide.c_str());
        if (err == EACCES && attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0)
            return EISDIR;
        return err;
    }
    file = NativeFile();
    file.m_handle = reinterpret_cast<NativeHandle>(handle);
    return 0;
}

int NativeFile::createUnique(std::string& pattern, int suffixLength, unsigned permissions, NativeFile& file)
{
    static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const size_t suffix = static_cast<size_t>(suffixLength);
    if (pattern.size() < 6 + suffix || pattern.compare(pattern.size() - suffix - 6, 6, "XXXXXX") != 0)
        return EINVAL;
    thread_local std::mt19937_64 random{std::random_device{}()};
    for (int attempt = 0; attempt < 100; ++attempt) {
        for (size_t i = pattern.size() - suffix - 6; i < pattern.size() - suffix; ++i)
            pattern[i] = kLetters[random() % (sizeof kLetters - 1)];
        const int err = open(pattern, ReadWrite | Create | Exclusive, permissions, file);
        if (err != EEXIST)
            return err;
    }
    return EEXIST;
}

NativeHandle NativeFile::release()
{
    return std::exchange(m_handle, kNoHandle);
}

int NativeFile::status(FileStatus& status) const
{
    return statusOf(m_handle, status);
}

void NativeFile::clearNonBlocking() {}

int NativeFile::setPermissions(unsigned permissions)
{
    FILE_BASIC_INFO basic = {};
    if (!::GetFileInformationByHandleEx(handleOf(m_handle), FileBasicInfo, &basic, sizeof basic))
        return lastError();
    basic.FileAttributes =
        (basic.FileAttributes & ~DWORD{FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_NORMAL}) | attributesOf(permissions);
    return ::SetFileInformationByHandle(handleOf(m_handle), FileBasicInfo, &basic, sizeof basic) ? 0 : lastError();
}

int64_t NativeFile::readAt(void* buffer, uint64_t size, uint64_t offset) const
{
    // A synchronous handle reads at the OVERLAPPED offset: the positioned read of Win32 (pread).
    OVERLAPPED overlapped = at(offset);
    DWORD got = 0;
    if (::ReadFile(handleOf(m_handle), buffer, static_cast<DWORD>(std::min(size, kMaxIo)), &got, &overlapped))
        return got;
    const DWORD error = ::GetLastError();
    return error == ERROR_HANDLE_EOF ? 0 : -errnoFromWin32(error);
}

int64_t NativeFile::writeAt(const void* buffer, uint64_t size, uint64_t offset)
{
    OVERLAPPED overlapped = at(offset);
    DWORD put = 0;
    if (::WriteFile(handleOf(m_handle), buffer, static_cast<DWORD>(std::min(size, kMaxIo)), &put, &overlapped))
        return put;
    return -lastError();
}

int NativeFile::preallocate(uint64_t size)
{
    if (size == 0)
        return 0;
    // The allocation size, not the end of file: the size still grows only as bytes are written (as KEEP_SIZE).
    FILE_ALLOCATION_INFO allocation = {};
    allocation.AllocationSize.QuadPart = static_cast<LONGLONG>(size);
    if (::SetFileInformationByHandle(handleOf(m_handle), FileAllocationInfo, &allocation, sizeof allocation))
        return 0;
    const int err = lastError();
    return err == ENOSYS || err == EINVAL ? 0 : err; // a file system that cannot: writes allocate as they go
}

int NativeFile::syncData()
{
    return ::FlushFileBuffers(handleOf(m_handle)) ? 0 : lastError();
}

int NativeFile::syncAll()
{
    return syncData();
}

void NativeFile::startWriteback(uint64_t offset, uint64_t length)
{
    (void)offset;
    (void)length;
}

void NativeFile::advise(uint64_t offset, uint64_t length, FileAdvice advice) const
{
    (void)offset;
    (void)length;
    (void)advice;
}

int64_t NativeFile::copyTo(uint64_t offset, NativeFile& target, uint64_t targetOffset, uint64_t length) const
{
    // CopyFile2 copies whole files only; a range is copied through a buffer by the caller.
    (void)offset;
    (void)target;
    (void)targetOffset;
    (void)length;
    return -ENOSYS;
}

int NativeFile::close()
{
    if (m_handle == kNoHandle)
        return 0;
    return ::CloseHandle(handleOf(std::exchange(m_handle, kNoHandle))) ? 0 : lastError();
}

bool isUnsupported(int code)
{
    return code == EXDEV || code == ENOSYS || code == EINVAL || code == EBADF || code == EPERM;
}

} // namespace safescope::platform
