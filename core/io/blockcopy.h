#pragma once

#include "core/format/error.h"
#include "core/io/systemfile.h"

#include <cstdint>
#include <functional>

namespace safescope {

/// What becomes of the source's cached pages once a block is copied.
enum class SourceCache : uint8_t
{
    Keep,
    /// The source is about to be replaced by the copy (a rewrite over the original), so its cached pages die at
    /// the rename anyway. Released block by block, they become the memory the copy's target pages are made of;
    /// otherwise every target page is fresh memory, which on a virtual machine costs a page fault in the host
    /// (measured: the copy of 1 GiB took 1-2.5 s this way against 0.2-0.3 s into recycled memory).
    Release
};

/// Called after each block with the bytes copied so far by this call; returning false stops the copy (Cancelled).
using CopyBlockFn = std::function<bool(uint64_t copied)>;

/// Copies `length` bytes from `source` at `sourceOffset` to `target` at `targetOffset`. Tries copy_file_range
/// first (the kernel copies without a trip through user space, and reflinks on btrfs/XFS), and falls back to
/// pread/pwrite of 8 MiB blocks where the file systems or the kernel refuse it. Blocks are 64 MiB for
/// copy_file_range so progress and cancellation stay responsive on a multi-GB tensor. Writeback of each block to
/// the disk starts as soon as it is copied (the target is meant to be synced when complete).
Status copyBlocks(const SystemFile& source, uint64_t sourceOffset, SystemFile& target, uint64_t targetOffset,
                  uint64_t length, const CopyBlockFn& onBlock = {}, SourceCache sourceCache = SourceCache::Keep);

} // namespace safescope
