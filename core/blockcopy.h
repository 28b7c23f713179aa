#pragma once

#include "core/error.h"
#include "core/posixfile.h"

#include <cstdint>
#include <functional>

namespace safescope {

/// Called after each block with the bytes copied so far by this call; returning false stops the copy (Cancelled).
using CopyBlockFn = std::function<bool(uint64_t copied)>;

/// Copies `length` bytes from `source` at `sourceOffset` to `target` at `targetOffset`. Tries copy_file_range
/// first (the kernel copies without a trip through user space, and reflinks on btrfs/XFS), and falls back to
/// pread/pwrite of 8 MiB blocks where the file systems or the kernel refuse it. Blocks are 64 MiB for
/// copy_file_range so progress and cancellation stay responsive on a multi-GB tensor. Writeback of each block to
/// the disk starts as soon as it is copied (the target is meant to be synced when complete).
Status copyBlocks(const PosixFile& source, uint64_t sourceOffset, PosixFile& target, uint64_t targetOffset,
                  uint64_t length, const CopyBlockFn& onBlock = {});

} // namespace safescope
