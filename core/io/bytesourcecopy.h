#pragma once

#include "core/format/error.h"
#include "core/io/blockcopy.h"

#include <atomic>
#include <cstdint>

namespace safescope {

class ByteSource;
class SystemFile;

/// Bytes of a ByteSource (a remote file) are moved in chunks of this size: a chunk is several of the block cache's
/// ranges fetched in flight at once, and memory stays bounded by one chunk whatever the size of the tensor or file.
inline constexpr uint64_t kByteSourceChunk = uint64_t{16} << 20;

/// Copies [sourceOffset, +length) of `source` to `target` at `targetOffset`, a chunk at a time; `onBlock(done)` gets
/// the bytes copied so far after each chunk and cancels by returning false (Cancelled). A failed read (network,
/// a file changed on the server) is returned as it came: nothing is ever zero-filled.
Status copyFromByteSource(const ByteSource& source, uint64_t sourceOffset, SystemFile& target, uint64_t targetOffset,
                          uint64_t length, const std::atomic_bool* cancel = nullptr, const CopyBlockFn& onBlock = {});

} // namespace safescope
