// The platform seam's own test: plain C++ with no Qt, so that the same program runs natively (registered with
// ctest) and cross-compiled for Windows under Wine (scripts/windows-seam.sh). It exercises what the rest of
// SafeScope relies on: names that are not ASCII, positioned reads and writes, preallocation, durable flushes,
// mappings, a file shrunk under a mapping turning into an error instead of a crash, an atomic replace over a file
// that is open, and the two advisory locks.
#include "core/platform/filelock.h"
#include "core/platform/filemapping.h"
#include "core/platform/filestatus.h"
#include "core/platform/filesystem.h"
#include "core/platform/guardedfilepages.h"
#include "core/platform/heapprefault.h"
#include "core/platform/nativefile.h"
#include "core/platform/pagearray.h"
#include "core/platform/pageguard.h"
#include "core/platform/systemerror.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__) && defined(__GLIBC__)
#include <sys/resource.h>
#include <unistd.h>
#endif

using namespace safescope::platform;

namespace {

int g_failures = 0;
int g_checks = 0;

#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        ++g_checks;                                                                                                    \
        if (!(condition)) {                                                                                            \
            ++g_failures;                                                                                              \
            std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);                                  \
        }                                                                                                              \
    } while (false)

#define CHECK_EQ(actual, expected)                                                                                     \
    do {                                                                                                               \
        ++g_checks;                                                                                                    \
        const auto actualValue = (actual);                                                                             \
        const auto expectedValue = (expected);                                                                         \
        if (!(actualValue == expectedValue)) {                                                                         \
            ++g_failures;                                                                                              \
            std::fprintf(stderr, "FAIL %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #actual,               \
                         static_cast<long long>(actualValue), static_cast<long long>(expectedValue));                  \
        }                                                                                                              \
    } while (false)

std::string utf8(const std::filesystem::path& path)
{
    const std::u8string text = path.generic_u8string();
    return std::string(text.begin(), text.end());
}

bool endsWith(const std::string& text, const std::string& end)
{
    return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

std::string pattern(size_t size, char seed)
{
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<char>(seed + static_cast<char>(i % 251));
    return bytes;
}

// Writes `bytes` to a new file at `path` through the seam, flushed to the disk.
bool writeFile(const std::string& path, const std::string& bytes)
{
    NativeFile file;
    if (NativeFile::open(path, ReadWrite | Create | Truncate, 0644, file) != 0)
        return false;
    return file.writeAt(bytes.data(), bytes.size(), 0) == static_cast<int64_t>(bytes.size()) && file.syncAll() == 0 &&
           file.close() == 0;
}

std::string readFile(const std::string& path)
{
    NativeFile file;
    FileStatus status;
    if (NativeFile::open(path, ReadOnly, 0, file) != 0 || file.status(status) != 0)
        return "<unreadable>";
    std::string bytes(status.size, '\0');
    uint64_t done = 0;
    while (done < status.size) {
        const int64_t got = file.readAt(bytes.data() + done, status.size - done, done);
        if (got <= 0)
            return "<short>";
        done += static_cast<uint64_t>(got);
    }
    return bytes;
}

void testNamesAndFiles(const std::string& folder)
{
    const std::string path = folder + "/модель-é.safetensors";
    const std::string bytes = pattern(10000, 'a');
    NativeFile file;
    CHECK_EQ(NativeFile::open(path, ReadWrite | Create | Exclusive, 0644, file), 0);
    CHECK_EQ(file.preallocate(1 << 20), 0);
    FileStatus status;
    CHECK_EQ(file.status(status), 0);
    CHECK_EQ(status.size, uint64_t{0}); // reserved, not grown
    CHECK_EQ(file.writeAt(bytes.data(), bytes.size(), 0), static_cast<int64_t>(bytes.size()));
    CHECK_EQ(file.writeAt("XYZ", 3, 5000), int64_t{3}); // positioned: no file position involved
    CHECK_EQ(file.syncData(), 0);
    CHECK_EQ(file.syncAll(), 0);
    char middle[5] = {};
    CHECK_EQ(file.readAt(middle, 5, 4999), int64_t{5});
    CHECK(std::memcmp(middle + 1, "XYZ", 3) == 0);
    char past[4] = {};
    CHECK_EQ(file.readAt(past, 4, bytes.size()), int64_t{0}); // the end of the file reads as 0, not an error
    CHECK_EQ(file.close(), 0);

    FileStatus byName;
    CHECK_EQ(statusOf(path, FollowLinks::Yes, byName), 0);
    CHECK(byName.kind == FileKind::Regular);
    CHECK_EQ(byName.size, uint64_t{10000});
    CHECK(byName.modifiedNs > 0);

    std::vector<FolderEntry> entries;
    CHECK_EQ(listFolder(folder, entries), 0);
    CHECK(std::any_of(entries.begin(), entries.end(),
                      [](const FolderEntry& entry) { return entry.name == "модель-é.safetensors"; }));
    std::string resolved;
    CHECK_EQ(canonicalPath(path, resolved), 0);
    CHECK(endsWith(resolved, "/модель-é.safetensors"));

    CHECK_EQ(NativeFile::open(path, ReadWrite | Create | Exclusive, 0644, file), EEXIST);
    CHECK_EQ(NativeFile::open(folder + "/missing", ReadOnly, 0, file), ENOENT);
    CHECK_EQ(NativeFile::open(folder, ReadWrite, 0, file), EISDIR);
    CHECK_EQ(makeFolder(folder), EEXIST);
    CHECK_EQ(syncFolder(folder), 0);
    CHECK_EQ(checkWritable(path), 0);
    CHECK_EQ(checkWritable(folder + "/missing"), ENOENT);
    CHECK(!errorText(ENOENT).empty());

    FileStatus folderStatus;
    CHECK_EQ(statusOf(folder, FollowLinks::Yes, folderStatus), 0);
    CHECK(folderStatus.kind == FileKind::Folder);
    CHECK_EQ(statusOf(folder + "/missing", FollowLinks::No, folderStatus), ENOENT);
}

void testUniqueAndRemove(const std::string& folder)
{
    std::string name = folder + "/.model.safescope-XXXXXX.tmp";
    NativeFile file;
    CHECK_EQ(NativeFile::createUnique(name, 4, 0600, file), 0);
    CHECK(name.find("XXXXXX") == std::string::npos);
    CHECK(endsWith(name, ".tmp"));
    std::string other = folder + "/.model.safescope-XXXXXX.tmp";
    NativeFile second;
    CHECK_EQ(NativeFile::createUnique(other, 4, 0600, second), 0);
    CHECK(other != name);
    CHECK_EQ(file.close(), 0);
    CHECK_EQ(second.close(), 0);
    CHECK_EQ(removeFile(name), 0);
    CHECK_EQ(removeFile(name), ENOENT);
    CHECK_EQ(removeFile(other), 0);
}

void testMapping(const std::string& folder)
{
    const std::string path = folder + "/mapped-ü.bin";
    const std::string bytes = pattern(256 * 1024, 'm');
    CHECK(writeFile(path, bytes));
    NativeFile file;
    CHECK_EQ(NativeFile::open(path, ReadOnly, 0, file), 0);
    FileMapping mapping;
    CHECK_EQ(FileMapping::map(file.handle(), bytes.size(), mapping), 0);
    CHECK(mapping.data() != nullptr);
    CHECK(pageSize() >= 4096);
    adviseMemory(mapping.data(), bytes.size(), MemoryAdvice::Sequential);
    adviseMemory(mapping.data(), bytes.size(), MemoryAdvice::WillNeed);
    CHECK(std::memcmp(mapping.data(), bytes.data(), bytes.size()) == 0);
    if (const std::optional<bool> resident = pageResident(mapping.data() + 1000))
        CHECK(*resident); // just read: in this process's page tables (where the system says)
    adviseMemory(mapping.data(), bytes.size(), MemoryAdvice::DontNeed);
    CHECK(std::memcmp(mapping.data(), bytes.data(), bytes.size()) == 0); // dropped pages read back the same

    FileMapping empty;
    CHECK_EQ(FileMapping::map(file.handle(), 0, empty), 0);
    CHECK(empty.data() == nullptr);

    void* pages = allocatePages(1 << 20);
    CHECK(pages != nullptr);
    if (pages != nullptr) {
        CHECK(static_cast<unsigned char*>(pages)[12345] == 0);
        std::memset(pages, 7, 1 << 20);
        freePages(pages, 1 << 20);
    }
    // From 2 MiB on, a buffer starts on a 2 MiB boundary (room for transparent huge pages) and is zero to its
    // last byte, a size that is no multiple of a page included; POSIX mappings only (VirtualAlloc aligns to 64 KiB).
    const size_t large = (size_t{5} << 20) + 123;
    auto* big = static_cast<unsigned char*>(allocatePages(large));
    CHECK(big != nullptr);
    if (big != nullptr) {
#if !defined(_WIN32)
        CHECK_EQ(reinterpret_cast<std::uintptr_t>(big) % (std::uintptr_t{2} << 20), std::uintptr_t{0});
#endif
        CHECK(big[0] == 0 && big[large / 2] == 0 && big[large - 1] == 0);
        std::memset(big, 9, large);
        CHECK(big[large - 1] == 9);
        freePages(big, large);
    }
    {
        PageArray<uint32_t> counts(size_t{1} << 20);
        CHECK(static_cast<bool>(counts));
        CHECK(counts[0] == 0 && counts[(size_t{1} << 20) - 1] == 0);
        counts[77] = 5;
        PageArray<uint32_t> moved(std::move(counts));
        CHECK(!counts && moved[77] == 5);
        CHECK(!PageArray<uint64_t>(SIZE_MAX / 4)); // bytes beyond size_t: no memory rather than a short array
        PageArray<uint32_t> none;
        CHECK(!none && none.get() == nullptr);
        moved = std::move(none); // frees the old pages
        CHECK(!moved);
    }

    // A guarded reservation: pages opened one range at a time are written, sealed read-only and read back; the
    // rest stays without access (not touched here: reading it is meant to crash).
    const size_t page = pageSize();
    auto* guarded = static_cast<unsigned char*>(reserveGuardedPages(8 * page));
    CHECK(guarded != nullptr);
    if (guarded != nullptr) {
        CHECK_EQ(setPageAccess(guarded + 2 * page, 3 * page, PageAccess::ReadWrite), 0);
        std::memset(guarded + 2 * page, 0x5a, 3 * page);
        CHECK_EQ(setPageAccess(guarded + 2 * page, 3 * page, PageAccess::ReadOnly), 0);
        CHECK(guarded[2 * page] == 0x5a && guarded[5 * page - 1] == 0x5a);
        CHECK_EQ(setPageAccess(guarded + 6 * page, page, PageAccess::ReadWrite), 0); // a second range
        guarded[6 * page + 17] = 1;
        CHECK(guarded[6 * page + 17] == 1 && guarded[6 * page] == 0);
        releaseGuardedPages(guarded, 8 * page);
    }

    // The same reservation backed by a temporary file that is deleted at once (a fetched tensor larger than RAM):
    // opened pages are written, sealed and read back through the nameless file; the rest stays without access.
    std::string backing = folder + "/guarded-XXXXXX";
    NativeFile backingFile;
    CHECK_EQ(NativeFile::createUnique(backing, 0, 0600, backingFile), 0);
    CHECK_EQ(setFileSize(backingFile.handle(), 8 * page), 0);
    FileStatus backingStatus;
    CHECK_EQ(backingFile.status(backingStatus), 0);
    CHECK_EQ(backingStatus.size, uint64_t(8 * page));
    auto* backed = static_cast<unsigned char*>(reserveGuardedFilePages(backingFile.handle(), 8 * page));
    CHECK(backed != nullptr);
    CHECK_EQ(backingFile.close(), 0);
    const int removed = removeFile(backing); // POSIX: gone now; Windows may keep it until the view is released
    if (backed != nullptr) {
        CHECK_EQ(setFilePageAccess(backed + page, 2 * page, PageAccess::ReadWrite), 0);
        std::memset(backed + page, 0x3c, 2 * page);
        CHECK_EQ(setFilePageAccess(backed + page, 2 * page, PageAccess::ReadOnly), 0);
        CHECK(backed[page] == 0x3c && backed[3 * page - 1] == 0x3c);
        CHECK_EQ(setFilePageAccess(backed + 5 * page, page, PageAccess::ReadWrite), 0);
        backed[5 * page + 3] = 7;
        CHECK(backed[5 * page + 3] == 7 && backed[5 * page] == 0);
        releaseGuardedFilePages(backed, 8 * page);
    }
    if (removed != 0)
        CHECK_EQ(removeFile(backing), 0);
}

void testGuard(const std::string& folder)
{
    int ran = 0;
    CHECK(runGuarded([&] { ++ran; }));
    CHECK_EQ(ran, 1);
    // Abandoning work inside nested guards lands in the innermost one, and the outer one carries on.
    bool innerResult = true;
    CHECK(runGuarded([&] { innerResult = runGuarded([] { abandonGuardedWork(); }); }));
    CHECK(!innerResult);

    // A file shrunk under its mapping: reading the vanished pages must end the guarded work, not the process.
    const std::string path = folder + "/shrinking-ñ.bin";
    const size_t size = 1 << 20;
    CHECK(writeFile(path, pattern(size, 's')));
    NativeFile file;
    CHECK_EQ(NativeFile::open(path, ReadOnly, 0, file), 0);
    FileMapping mapping;
    CHECK_EQ(FileMapping::map(file.handle(), size, mapping), 0);
    std::error_code error;
    std::filesystem::resize_file(std::filesystem::path(std::u8string(path.begin(), path.end())), 0, error);
    if (error) {
        // Windows refuses to shrink a file with a mapped view (ERROR_USER_MAPPED_FILE): the page cannot vanish.
        std::printf("note: the system refused to shrink a mapped file (%s)\n", error.message().c_str());
        return;
    }
    volatile unsigned sum = 0;
    const bool completed = runGuarded([&] {
        for (size_t i = 0; i < size; i += 4096)
            sum = sum + mapping.data()[i];
    });
    CHECK(!completed);
    // And the thread is fine afterwards: guards work again.
    CHECK(runGuarded([&] { ++ran; }));
}

void testReplaceOverOpenFile(const std::string& folder)
{
    const std::string target = folder + "/целевой.safetensors";
    CHECK(writeFile(target, "old contents"));
    NativeFile reader; // another program's view of the file, open during the replace
    CHECK_EQ(NativeFile::open(target, ReadOnly, 0, reader), 0);
    FileStatus before;
    CHECK_EQ(reader.status(before), 0);

    std::string temp = folder + "/.целевой.safetensors.safescope-XXXXXX.tmp";
    NativeFile writer;
    CHECK_EQ(NativeFile::createUnique(temp, 4, 0644, writer), 0);
    CHECK_EQ(writer.writeAt("new contents!", 13, 0), int64_t{13});
    CHECK_EQ(writer.syncAll(), 0);
    CHECK_EQ(writer.close(), 0);
    CHECK_EQ(replaceFile(temp, target), 0);
    CHECK_EQ(syncFolder(folder), 0);

    CHECK(readFile(target) == "new contents!");
    FileStatus temporary;
    CHECK_EQ(statusOf(temp, FollowLinks::No, temporary), ENOENT);
    FileStatus after;
    CHECK_EQ(statusOf(target, FollowLinks::Yes, after), 0);
    CHECK(!after.sameFileAs(before)); // the name now means another file, which is what identity checks detect
    char old[12] = {};
    CHECK_EQ(reader.readAt(old, sizeof old, 0), int64_t{12}); // the open file still reads its own bytes
    CHECK(std::memcmp(old, "old contents", 12) == 0);
}

void testLocks(const std::string& folder)
{
    const std::string path = folder + "/locked-ö.safetensors";
    CHECK(writeFile(path, pattern(4096, 'l')));
    NativeFile first;
    NativeFile second;
    CHECK_EQ(NativeFile::open(path, ReadWrite, 0, first), 0);
    CHECK_EQ(NativeFile::open(path, ReadOnly, 0, second), 0);

    CHECK_EQ(tryLock(first.handle(), LockSlot::Save, LockMode::Exclusive), 0);
    CHECK_EQ(tryLock(second.handle(), LockSlot::Save, LockMode::Shared), EWOULDBLOCK);
    // The header lock is another slot: a save in progress does not stop header readers.
    CHECK_EQ(tryLock(second.handle(), LockSlot::Header, LockMode::Shared), 0);
    CHECK_EQ(tryLock(first.handle(), LockSlot::Header, LockMode::Exclusive), EWOULDBLOCK);
    // Advisory on every system: the locked file's bytes stay readable and writable through any handle.
    char head[8] = {};
    CHECK_EQ(second.readAt(head, 8, 0), int64_t{8});
    CHECK_EQ(first.writeAt("L", 1, 0), int64_t{1});
    unlock(second.handle(), LockSlot::Header);
    CHECK_EQ(tryLock(first.handle(), LockSlot::Header, LockMode::Exclusive), 0);
    unlock(first.handle(), LockSlot::Header);
    unlock(first.handle(), LockSlot::Save);
    CHECK_EQ(tryLock(second.handle(), LockSlot::Save, LockMode::Shared), 0);
    CHECK_EQ(lockWaiting(first.handle(), LockSlot::Save, LockMode::Shared), 0); // shared with shared
    unlock(first.handle(), LockSlot::Save);
    unlock(second.handle(), LockSlot::Save);
}

void testCopy(const std::string& folder)
{
    const std::string bytes = pattern(100000, 'c');
    CHECK(writeFile(folder + "/source.bin", bytes));
    NativeFile source;
    NativeFile target;
    CHECK_EQ(NativeFile::open(folder + "/source.bin", ReadOnly, 0, source), 0);
    CHECK_EQ(NativeFile::open(folder + "/target.bin", ReadWrite | Create | Truncate, 0644, target), 0);
    const int64_t copied = source.copyTo(1000, target, 0, 5000);
    if (copied < 0) {
        CHECK(isUnsupported(static_cast<int>(-copied))); // the caller copies through a buffer instead
    } else {
        CHECK(copied > 0 && copied <= 5000);
        std::string back(static_cast<size_t>(copied), '\0');
        CHECK_EQ(target.readAt(back.data(), back.size(), 0), copied);
        CHECK(back == bytes.substr(1000, back.size()));
    }
}

} // namespace

#if defined(__linux__) && defined(__GLIBC__)
long faultsOfThisThread()
{
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_minflt;
}

// Allocates `bytes` in small pieces, as opening a model does, writes them, frees them: the page faults it took.
long faultsToFill(std::size_t bytes)
{
    constexpr std::size_t kPiece = 4000;
    std::vector<char*> pieces;
    pieces.reserve(bytes / kPiece + 1);
    const long before = faultsOfThisThread();
    for (std::size_t done = 0; done < bytes; done += kPiece) {
        auto* piece = static_cast<char*>(std::malloc(kPiece));
        std::memset(piece, 1, kPiece);
        pieces.push_back(piece);
    }
    const long faults = faultsOfThisThread() - before;
    for (char* piece : pieces)
        std::free(piece);
    return faults;
}
#endif

void testHeapPrefault()
{
    constexpr std::size_t kBytes = std::size_t{8} << 20;
    std::thread([] {
        CHECK_EQ(prefaultHeap(0), std::size_t{0});
#if defined(__linux__) && defined(__GLIBC__)
        const auto pages = static_cast<long>(kBytes / static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
        // Released first (this thread may have been given the arena of a thread that prefaulted), so the fill
        // starts on memory that is not resident.
        releaseFreeHeap();
        const long cold = faultsToFill(kBytes);
        releaseFreeHeap();
        const std::size_t populated = prefaultHeap(kBytes + (std::size_t{64} << 10));
        if (populated == 0) {
            // A sanitizer's allocator, or a kernel before 5.14: prefaulting does nothing, and nothing breaks.
            std::printf("heap prefault: not available here\n");
        } else {
            CHECK(populated >= kBytes);
            const long warm = faultsToFill(kBytes);
            // Fresh memory faults page by page (at most a page a fault); prefaulted memory does not.
            CHECK(cold >= pages / 2);
            CHECK(warm <= cold / 10);
            // Released, the free pages are gone: the next fill faults again.
            prefaultHeap(kBytes + (std::size_t{64} << 10));
            releaseFreeHeap();
            CHECK(faultsToFill(kBytes) >= cold / 2);
        }
#else
        CHECK_EQ(prefaultHeap(kBytes), std::size_t{0}); // the Windows heap has nothing to populate
        releaseFreeHeap();
        releaseThreadHeap();
#endif
        CHECK(prefaultHeap(std::size_t{1} << 40) <= kMaxPrefaultBytes); // capped, whatever is asked
        releaseFreeHeap();
    }).join();
}

int main()
{
    std::error_code error;
    const std::filesystem::path base = std::filesystem::temp_directory_path(error) / u8"safescope-seam-тест-é";
    std::filesystem::remove_all(base, error);
    const std::string folder = utf8(base);
    if (makeFolder(folder) != 0) {
        std::fprintf(stderr, "cannot create %s\n", folder.c_str());
        return 2;
    }
    testNamesAndFiles(folder);
    testUniqueAndRemove(folder);
    testMapping(folder);
    testGuard(folder);
    testReplaceOverOpenFile(folder);
    testLocks(folder);
    testCopy(folder);
    testHeapPrefault();
    std::filesystem::remove_all(base, error);
    std::printf("%d checks, %d failed\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
