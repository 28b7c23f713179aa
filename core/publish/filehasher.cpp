#include "core/publish/filehasher.h"

#include "core/io/bytesource.h"
#include "core/io/bytesourcecopy.h"
#include "core/io/regularfile.h"
#include "core/io/systemfile.h"
#include "core/publish/sha256.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <semaphore>
#include <thread>
#include <vector>

namespace safescope {

namespace {

// Large enough that a read and a thread hand-off per block cost nothing next to hashing it (about 2 ms at SHA-NI
// speed); small enough that two buffers stay out of the way of the page cache.
constexpr size_t kBlock = size_t(4) << 20;

/// A second thread that hashes one range per block while the caller hashes another: a pair of semaphores is
/// all the hand-off needs, and the thread lives for the whole file rather than one block.
class DataHashThread final
{
public:
    explicit DataHashThread(Sha256& hash) : m_hash(hash), m_thread([this] { loop(); }) {}
    ~DataHashThread()
    {
        m_stop = true;
        m_start.release();
        m_thread.join();
    }
    void begin(const char* data, size_t size)
    {
        m_data = data;
        m_size = size;
        m_start.release();
    }
    void wait() { m_done.acquire(); }

private:
    void loop()
    {
        for (;;) {
            m_start.acquire();
            if (m_stop)
                return;
            m_hash.update(m_data, m_size);
            m_done.release();
        }
    }

    Sha256& m_hash;
    const char* m_data = nullptr;
    size_t m_size = 0;
    bool m_stop = false;
    std::binary_semaphore m_start{0};
    std::binary_semaphore m_done{0};
    std::thread m_thread;
};

/// Reads exactly `size` bytes at `offset`; a short read means the file shrank under us.
Status readFully(const platform::NativeFile& file, const QString& path, char* buffer, size_t size, uint64_t offset)
{
    size_t done = 0;
    while (done < size) {
        const int64_t got = file.readAt(buffer + done, size - done, offset + done);
        if (got < 0)
            return systemError(path, QStringLiteral("read"), static_cast<int>(-got));
        if (got == 0)
            return makeError(
                ErrorKind::FileChanged,
                QStringLiteral("'%1' became shorter while it was hashed (at byte %2)").arg(path).arg(offset + done),
                path, std::nullopt, offset + done);
        done += size_t(got);
    }
    return Ok{};
}

} // namespace

namespace {

/// Fills `buffer` with `size` bytes at `offset`, or fails.
using BlockReader = std::function<Status(char* buffer, size_t size, uint64_t offset)>;

/// The hashes of the `size` bytes `read` gives, one block at a time: the one pass both a local file and a remote one
/// go through, so their hashes cannot differ by construction.
Result<FileHashes> hashBlocks(const QString& path, uint64_t size, size_t block, const BlockReader& read,
                              const HashOptions& options, const std::atomic_bool& cancel, const HashProgress& progress)
{
    FileHashes result;
    result.path = path;
    result.size = size;

    const std::unique_ptr<char[]> buffer(new char[block]);
    Sha256 whole;
    Sha256 data;
    Sha256 legacy;
    std::optional<DataHashThread> helper;
    uint64_t dataStart = UINT64_MAX; // no data hash until the length field says where the data begins

    for (uint64_t offset = 0; offset < size; offset += block) {
        if (cancel.load(std::memory_order_relaxed))
            return makeError(ErrorKind::Cancelled, QStringLiteral("hashing '%1' was cancelled").arg(path), path);
        const size_t length = size_t(std::min<uint64_t>(block, size - offset));
        if (Status done = read(buffer.get(), length, offset); !done)
            return done.error();
        if (offset == 0 && length >= 8) {
            uint64_t n = 0;
            for (int i = 7; i >= 0; --i)
                n = (n << 8) | uint8_t(buffer[i]);
            // Overflow-safe 8 + N <= size (SPEC.md section 2, rule 3): otherwise there is no data region to hash.
            if (n <= size - 8) {
                result.dataStart = 8 + n;
                if (options.dataHash)
                    dataStart = 8 + n;
            }
        }
        const uint64_t end = offset + length;
        // The data region's part of this block, hashed on the helper thread while this one does the whole block.
        const char* dataBegin = nullptr;
        size_t dataLength = 0;
        if (dataStart < end) {
            const uint64_t from = std::max(dataStart, offset);
            dataBegin = buffer.get() + (from - offset);
            dataLength = size_t(end - from);
        }
        if (dataLength > 0 && options.twoThreads) {
            if (!helper)
                helper.emplace(data);
            helper->begin(dataBegin, dataLength);
        }
        whole.update(buffer.get(), length);
        const uint64_t legacyFrom = std::max(offset, kLegacyHashOffset);
        const uint64_t legacyTo = std::min(end, kLegacyHashOffset + kLegacyHashLength);
        if (legacyFrom < legacyTo)
            legacy.update(buffer.get() + (legacyFrom - offset), size_t(legacyTo - legacyFrom));
        if (dataLength > 0) {
            if (options.twoThreads)
                helper->wait();
            else
                data.update(dataBegin, dataLength);
        }
        if (progress)
            progress(length);
    }

    result.sha256 = whole.finishHex();
    result.legacyHash = legacy.finishHex().left(8);
    if (dataStart != UINT64_MAX)
        result.dataSha256 = data.finishHex();
    return result;
}

} // namespace

Result<FileHashes> hashFile(const QString& path, const HashOptions& options, const std::atomic_bool& cancel,
                            const HashProgress& progress)
{
    Result<platform::NativeFile> opened = openRegularFile(path, platform::ReadOnly);
    if (!opened)
        return opened.error();
    const platform::NativeFile& file = *opened;
    platform::FileStatus before;
    if (const int err = file.status(before))
        return systemError(path, QStringLiteral("stat"), err);
    file.advise(0, 0, platform::FileAdvice::Sequential);

    auto result = hashBlocks(
        path, before.size, kBlock,
        [&](char* buffer, size_t size, uint64_t offset) { return readFully(file, path, buffer, size, offset); },
        options, cancel, progress);
    if (!result)
        return result;

    platform::FileStatus after;
    if (const int err = file.status(after))
        return systemError(path, QStringLiteral("stat"), err);
    if (after.size != before.size || after.modifiedNs != before.modifiedNs)
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("'%1' changed on disk while it was hashed; hash it again").arg(path), path);
    return result;
}

Result<FileHashes> hashByteSource(const ByteSource& source, const HashOptions& options, const std::atomic_bool& cancel,
                                  const HashProgress& progress)
{
    // Chunks of the export's size: each one several of the block cache's ranges in flight at once.
    return hashBlocks(
        source.location(), source.size(), size_t(kByteSourceChunk),
        [&](char* buffer, size_t size, uint64_t offset) {
            return source.read(offset, size, reinterpret_cast<unsigned char*>(buffer), &cancel);
        },
        options, cancel, progress);
}

Result<FileHashes> publishedHashes(const ByteSource& source, const std::atomic_bool& cancel)
{
    FileHashes result;
    result.path = source.location();
    result.size = source.size();
    result.sha256 = QString::fromLatin1(source.sha256());
    // The legacy hash reads 64 KiB at 1 MiB: one range, not the file.
    Sha256 legacy;
    if (result.size > kLegacyHashOffset) {
        const uint64_t length = std::min(kLegacyHashLength, result.size - kLegacyHashOffset);
        std::vector<unsigned char> bytes(static_cast<size_t>(length));
        if (Status read = source.read(kLegacyHashOffset, length, bytes.data(), &cancel); !read)
            return read.error();
        legacy.update(bytes.data(), bytes.size());
    }
    result.legacyHash = legacy.finishHex().left(8);
    return result;
}

} // namespace safescope
