#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace safescope {

/// A copy from one file's page cache to another's moves whole pages when the bytes sit at the same offset within a
/// page on both sides; when they do not, every source page lands in two target pages, each written in part. On ext4
/// that made copying a 1 GiB checkpoint 2-3x slower. Saves and exports therefore pad the new header (with spaces,
/// as the format allows) so that the tensor bytes keep their page offset, which costs under 4 KiB of header and
/// leaves that much more room for later in-place edits.
constexpr uint64_t kPagePhaseSize = 4096;
/// Below this many copied bytes the copy is fast either way and the padding would only grow a small file (a 2 KiB
/// checkpoint must not become 6 KiB because its metadata changed): saves and exports pad only at or above it.
constexpr uint64_t kPagePhaseWorthwhileCopy = uint64_t{64} << 20;

/// The smallest header length N >= `minimum` (a multiple of 8, as `minimum` is) whose data region, at 8 + N,
/// starts at `wantedDataStart` modulo 4096. `minimum` itself when no such length is a multiple of 8 (the wanted
/// offset is not 8-aligned) or when it would pass `limit`.
uint64_t headerLengthInPhase(uint64_t minimum, uint64_t wantedDataStart, uint64_t limit);

/// One run of bytes to copy: where it is in the source file, and where it goes relative to the new data region.
struct CopySpan
{
    uint64_t sourceOffset = 0; ///< absolute, in the source file
    uint64_t dataOffset = 0;   ///< relative to the start of the new file's data region
    uint64_t length = 0;
};

/// The data-region start (modulo 4096) that puts the most copied bytes at their source page offset; nullopt when
/// nothing is copied (then no padding helps).
std::optional<uint64_t> bestDataStartPhase(std::span<const CopySpan> spans);

} // namespace safescope
