#include "core/remote/remotefile.h"

#include "core/remote/blockcache.h"
#include "core/remote/httpclient.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace safescope {

RemoteFile::RemoteFile(Identity identity, HttpClient& client, BlockCache& cache)
    : m_identity(std::move(identity)), m_client(client), m_cache(cache),
      m_cacheKey(BlockCache::fileKey(m_identity.url.toString(QUrl::RemoveQuery), m_identity.size,
                                     m_identity.sha256.isEmpty() ? m_identity.etag : m_identity.sha256))
{}

Status RemoteFile::read(uint64_t offset, uint64_t length, unsigned char* out, const std::atomic_bool* cancel,
                        const ProgressFn& progress) const
{
    const QString where = location();
    if (offset > m_identity.size || length > m_identity.size - offset)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1: bytes %2 to %3 lie beyond the end of the file (%4 bytes)")
                             .arg(where)
                             .arg(offset)
                             .arg(offset + length)
                             .arg(m_identity.size),
                         where, std::nullopt, offset);
    if (length == 0)
        return Ok{};
    const uint64_t block = BlockCache::kBlockBytes;
    const uint64_t first = offset / block;
    const uint64_t last = (offset + length - 1) / block;
    const auto blockLength = [&](uint64_t b) { return std::min(block, m_identity.size - b * block); };
    // Copies the part of block `b` that [offset, offset + length) covers.
    const auto place = [&](uint64_t b, const QByteArray& bytes) {
        const uint64_t begin = std::max(offset, b * block);
        const uint64_t end = std::min(offset + length, b * block + static_cast<uint64_t>(bytes.size()));
        std::memcpy(out + (begin - offset), bytes.constData() + (begin - b * block), end - begin);
    };

    std::vector<uint64_t> missing;
    for (uint64_t b = first; b <= last; ++b) {
        if (const auto cached = m_cache.find(m_cacheKey, b, blockLength(b)))
            place(b, *cached);
        else
            missing.push_back(b);
    }
    if (missing.empty()) {
        if (progress)
            progress(1.0);
        return Ok{};
    }

    std::vector<HttpRequest> requests;
    requests.reserve(missing.size());
    for (const uint64_t b : missing)
        requests.push_back({m_identity.url, std::pair{b * block, b * block + blockLength(b)}, m_identity.token});
    auto responses = m_client.run(requests, cancel, progress);
    for (size_t i = 0; i < missing.size(); ++i) {
        auto& response = responses[i];
        if (!response)
            return response.error();
        if (Status status = httpStatusError(*response, m_identity.url); !status)
            return status.error();
        const uint64_t b = missing[i];
        if (static_cast<uint64_t>(response->body.size()) != blockLength(b) ||
            (response->totalSize && *response->totalSize != m_identity.size) ||
            (!m_identity.etag.isEmpty() && !response->etag.isEmpty() && response->etag != m_identity.etag))
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("%1 changed on the server since its header was read (its size or ETag "
                                            "differs); open it again")
                                 .arg(where),
                             where);
        m_fetched += static_cast<uint64_t>(response->body.size());
        m_cache.store(m_cacheKey, b, response->body);
        place(b, response->body);
    }
    m_cache.evict();
    return Ok{};
}

} // namespace safescope
