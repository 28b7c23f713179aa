#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <cstdint>

namespace safescope {

/// The bytes of a file that is not mapped here (a file on an HTTP server or the Hub), read on demand. A read either
/// fills the whole range with bytes that came from the file, or fails: there is no partial or zero-filled answer,
/// so a value can never be computed from bytes that were not fetched.
class ByteSource
{
public:
    virtual ~ByteSource() = default;

    /// The URL or name shown in messages.
    virtual QString location() const = 0;
    virtual uint64_t size() const = 0;
    /// The file's published SHA-256 (lowercase hex, the Hub's LFS oid) when known; empty otherwise.
    virtual QByteArray sha256() const { return {}; }

    /// Copies [offset, offset + length) into `out`. Cancelled when `cancel` becomes true; `progress` gets the
    /// fraction of the range done.
    virtual Status read(uint64_t offset, uint64_t length, unsigned char* out, const std::atomic_bool* cancel = nullptr,
                        const ProgressFn& progress = {}) const = 0;
    /// Bytes this source has fetched over the network (cache hits excluded).
    virtual uint64_t bytesFetched() const { return 0; }
};

} // namespace safescope
