#pragma once

#include "core/platform/filemapping.h"
#include "core/platform/nativehandle.h"

#include <cstddef>
#include <cstdint>

namespace safescope::platform {

/// Sets an open file's size: cut, or extended with zeros (ftruncate / SetFileInformationByHandle end of file).
/// 0 or an errno value.
int setFileSize(NativeHandle file, uint64_t size);

/// A guarded reservation (reserveGuardedPages) whose pages are backed by `file` (open read-write, at least `size`
/// bytes long: setFileSize) instead of anonymous memory: mmap MAP_SHARED PROT_NONE / a file-mapping view made
/// PAGE_NOACCESS. Filled pages are then file cache, which the kernel can write back and evict, so a buffer larger
/// than RAM works; pages never opened still fault. The handle may be closed and the file deleted afterwards (POSIX
/// keeps an unlinked file while it is mapped; Windows may refuse the deletion until the release). nullptr on failure.
void* reserveGuardedFilePages(NativeHandle file, size_t size);
/// setPageAccess() for a reservation made by reserveGuardedFilePages().
int setFilePageAccess(void* address, size_t length, PageAccess access);
void releaseGuardedFilePages(void* address, size_t size);

} // namespace safescope::platform
