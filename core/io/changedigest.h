#pragma once

#include <cstddef>
#include <cstdint>

namespace safescope {

/// A 64-bit digest of `size` bytes for telling whether bytes read twice by this process are the same (a file's
/// header when it was opened and before a save). Four independent multiply-rotate lanes, so it runs at several bytes
/// a cycle: opening a 163-shard index hashes 14 MB of headers, and CRC-64's table lookups (about a byte a cycle)
/// were 8 % of that open. Not stored anywhere and not a checksum of a format: nothing outside the process relies
/// on its values. No adversary (another program or a crash, not a forger), so no cryptographic hash.
uint64_t changeDigest(const void* data, size_t size);

} // namespace safescope
