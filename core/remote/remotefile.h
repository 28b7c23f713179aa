#pragma once

#include "core/io/bytesource.h"

#include <QUrl>

#include <atomic>

namespace safescope {

class BlockCache;
class HttpClient;

/// A file on an HTTP server read in byte ranges, through the on-disk block cache. Reads are split into the cache's
/// blocks; the blocks missing from the cache are fetched in one batch, several in flight. Every fetched block must
/// carry the ETag the file had when its header was read, so a file replaced on the server gives FileChanged
/// instead of a mix of two versions.
class RemoteFile final : public ByteSource
{
public:
    struct Identity
    {
        QUrl url;
        uint64_t size = 0;
        QByteArray etag;   ///< of the header's response; empty when the server sends none
        QByteArray sha256; ///< published SHA-256 (Hub LFS oid), lowercase hex; may be empty
        QByteArray token;  ///< sent to the first host only
    };

    RemoteFile(Identity identity, HttpClient& client, BlockCache& cache);

    QString location() const override { return m_identity.url.toString(); }
    uint64_t size() const override { return m_identity.size; }
    QByteArray sha256() const override { return m_identity.sha256; }
    Status read(uint64_t offset, uint64_t length, unsigned char* out, const std::atomic_bool* cancel = nullptr,
                const ProgressFn& progress = {}) const override;
    uint64_t bytesFetched() const override { return m_fetched; }

    const Identity& identity() const { return m_identity; }

private:
    Identity m_identity;
    HttpClient& m_client;
    BlockCache& m_cache;
    QByteArray m_cacheKey;
    mutable std::atomic<uint64_t> m_fetched = 0;
};

} // namespace safescope
