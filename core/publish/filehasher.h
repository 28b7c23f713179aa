#pragma once

#include "core/format/error.h"
#include "core/publish/filehashes.h"

#include <QString>

#include <atomic>
#include <cstdint>
#include <functional>

namespace safescope {

class ByteSource;

struct HashOptions
{
    /// false: only the whole-file SHA-256 and the legacy hash, at half the CPU (the data hash costs a second pass
    /// of SHA-256 over nearly every byte; SHA-256 cannot share work between two starting points).
    bool dataHash = true;
    /// Hash the whole-file and data digests on two threads over the same blocks, so one file takes the time of
    /// one digest. Off when several files are hashed at once: the cores are busy with the other files.
    bool twoThreads = true;
};

/// Called from the hashing thread with the number of bytes just read; must be cheap and thread-safe.
using HashProgress = std::function<void(uint64_t bytes)>;

/// The three hashes of FileHashes from one sequential read of `path` (pread in large blocks, sequential read-ahead
/// advised). IoError when it cannot be read, FileChanged when its size or mtime changed during the read, Cancelled
/// when `cancel` is set. Works on any regular file: a file that is not safetensors gets no data hash.
Result<FileHashes> hashFile(const QString& path, const HashOptions& options, const std::atomic_bool& cancel,
                            const HashProgress& progress = {});

/// The same hashes of a file that is not mapped here (a remote file), streamed through its ByteSource in bounded
/// chunks (kByteSourceChunk). FileChanged when the server's copy changed under the read (the source says so).
Result<FileHashes> hashByteSource(const ByteSource& source, const HashOptions& options, const std::atomic_bool& cancel,
                                  const HashProgress& progress = {});

/// Without reading the file: sha256 is the value the server published (source.sha256(), which must not be empty)
/// and the legacy hash is computed from its one 64 KiB range; no data hash. Nothing here is verified.
Result<FileHashes> publishedHashes(const ByteSource& source, const std::atomic_bool& cancel);

} // namespace safescope
