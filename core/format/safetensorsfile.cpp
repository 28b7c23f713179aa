#include "core/format/safetensorsfile.h"

#include "core/format/sniffer.h"
#include "core/io/headerlock.h"
#include "core/io/systemfile.h"
#include "core/platform/filestatus.h"
#include "core/platform/heapprefault.h"
#include "core/values/threadscratch.h"

#include <QtEndian>

#include <algorithm>
#include <cerrno>
#include <span>

namespace safescope {

namespace {

// The reference's early errors are what a non-safetensors file produces; only then is sniffing worth it.
bool isEarlyHeaderError(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::HeaderTooSmall:
    case ErrorKind::HeaderTooLarge:
    case ErrorKind::InvalidHeaderLength:
    case ErrorKind::InvalidHeader:
    case ErrorKind::InvalidHeaderDeserialization:
        return true;
    default:
        return false;
    }
}

} // namespace

SafetensorsFile::SafetensorsFile(std::shared_ptr<const MappedFile> map, Header header, const FileIdentity& identity)
    : m_path(map->path()), m_map(std::move(map)), m_header(std::move(header)), m_identity(identity)
{}

SafetensorsFile::SafetensorsFile(std::shared_ptr<const ByteSource> source, Header header)
    : m_path(source->location()), m_source(std::move(source)), m_header(std::move(header))
{}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::fromSource(std::shared_ptr<const ByteSource> source,
                                                                   Header header)
{
    return std::shared_ptr<const SafetensorsFile>(new SafetensorsFile(std::move(source), std::move(header)));
}

namespace {
// Headers up to this size are read into a buffer the thread keeps; larger ones are parsed in the mapping.
constexpr uint64_t kReadHeaderBytes = uint64_t{1} << 20;
// The first read: the length and, for most files, the whole header.
constexpr uint64_t kFirstReadBytes = uint64_t{64} << 10;

// A header's bytes read with pread, so a small header never touches the mapping. Parsing a shard in its mapping
// faulted its pages in a page table made for it; a 163-shard index then spent 460 page faults opening and a sixth of
// its `validate` unmapping (page-table frees and a TLB shootdown per shard) at exit. Reading costs a copy of some
// 80 KB per shard into a buffer that stays in cache, and a program truncating the file meanwhile cannot fault the
// parser (SIGBUS). The span is empty when the header is large (it is then parsed in the mapping, whose pages are
// released after) or its length impossible (the parser reports it). A failed read is its error: FileChanged when the
// file no longer holds the bytes its size promised, the system's error otherwise.
Result<std::span<const unsigned char>> readSmallHeader(const MappedFile& mapped)
{
    struct HeaderBytes;
    unsigned char* buffer = threadScratch<unsigned char, kReadHeaderBytes + 8, HeaderBytes>();
    const uint64_t size = mapped.size();
    const uint64_t first = std::min(size, kFirstReadBytes);
    if (first < 8)
        return std::span<const unsigned char>();
    if (Status read = mapped.readInto(0, first, buffer); !read)
        return read.error();
    const uint64_t length = qFromLittleEndian<quint64>(buffer);
    if (length > kReadHeaderBytes || length > size - 8)
        return std::span<const unsigned char>();
    const uint64_t available = 8 + length;
    if (available > first)
        if (Status read = mapped.readInto(first, available - first, buffer + first); !read)
            return read.error();
    return std::span<const unsigned char>(buffer, static_cast<size_t>(available));
}

// A parsed header takes about twice its JSON's size in heap (tensor entries, shapes, names): made resident at once
// instead of a page fault at a time (platform::prefaultHeap). Only for a length the file can hold: a file whose
// first bytes are no safetensors length is refused by the parser without it.
void prefaultForHeader(const uint8_t* data, uint64_t size)
{
    if (size < 8)
        return;
    const uint64_t length = qFromLittleEndian<quint64>(data);
    if (length <= size - 8)
        platform::prefaultHeap(static_cast<size_t>(length * 2));
}
} // namespace

Result<std::shared_ptr<const SafetensorsFile>> SafetensorsFile::open(const QString& path, OpenMode mode)
{
    auto map = MappedFile::open(path);
    if (!map)
        return map.error();
    const MappedFile& mapped = **map;
    // The header is read, parsed and hashed under the header lock, so it is one version of it even while another
    // program saves in place, and the identity describes exactly the bytes parsed.
    auto lock = HeaderLock::forReading(mapped.handle(), path);
    if (!lock)
        return lock.error();
    platform::FileStatus status;
    if (const int err = platform::statusOf(mapped.handle(), status))
        return systemError(path, QStringLiteral("inspect"), err);
    const auto copy = readSmallHeader(mapped);
    if (!copy)
        return copy.error();
    const bool inMapping = copy->empty();
    const unsigned char* bytes = inMapping ? mapped.data() : copy->data();
    const uint64_t available = inMapping ? mapped.size() : copy->size();
    prefaultForHeader(bytes, available);
    auto header = parseHeader(bytes, available, mapped.size(), mode, path);
    if (!header) {
        Error error = header.error();
        if (isEarlyHeaderError(error.kind)) {
            const SniffResult sniffed = sniffFormat(mapped.data(), mapped.size());
            if (sniffed.format != SniffedFormat::Unrecognised) {
                error.detectedFormat = sniffed.name;
                error.message =
                    sniffed.explanation + QStringLiteral(" (The safetensors reader says: %1.)").arg(error.message);
            }
        }
        return error;
    }
    const FileIdentity identity = FileIdentity::of(status, bytes, static_cast<size_t>(header->dataStart));
    lock->release();
    // Everything the header says now lives in `header`; its text is only read again by explicit reads (saving).
    // A large header parsed in the mapping gives its pages back.
    if (inMapping)
        mapped.releasePages(0, header->dataStart);
    return std::shared_ptr<const SafetensorsFile>(new SafetensorsFile(std::move(*map), std::move(*header), identity));
}

uint64_t offsetAlignment(uint64_t offset)
{
    uint64_t alignment = 1;
    while (alignment < 4096 && offset % (alignment * 2) == 0)
        alignment *= 2;
    return alignment;
}

} // namespace safescope
