#include "core/format/safetensorsfile.h"

#include "core/format/sniffer.h"
#include "core/io/headerlock.h"
#include "core/io/systemfile.h"
#include "core/platform/filestatus.h"
#include "core/platform/heapprefault.h"

#include <QtEndian>

#include <cerrno>

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
constexpr uint64_t kReleasedHeaderBytes = uint64_t{1} << 20;

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
    prefaultForHeader(mapped.data(), mapped.size()); // before the lock: a writer waiting on it is not kept longer
    // The header is parsed and hashed under the header lock, so it is one version of it even while another program
    // saves in place, and the identity describes exactly the bytes parsed.
    auto lock = HeaderLock::forReading(mapped.handle(), path);
    if (!lock)
        return lock.error();
    platform::FileStatus status;
    if (const int err = platform::statusOf(mapped.handle(), status))
        return systemError(path, QStringLiteral("inspect"), err);
    auto header = parseHeader(mapped.data(), mapped.size(), mapped.size(), mode, path);
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
    const FileIdentity identity = FileIdentity::of(status, mapped.data(), static_cast<size_t>(header->dataStart));
    lock->release();
    // Everything the header says now lives in `header`; its text is only read again by explicit reads (saving).
    // Large headers give their pages back. A small one keeps them: each release is a TLB shootdown on every core
    // (0.1 ms; 18 ms of opening a 163-shard index) to drop some clean, reclaimable page cache.
    if (header->dataStart >= kReleasedHeaderBytes)
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
