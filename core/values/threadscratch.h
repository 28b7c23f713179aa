#pragma once

#include <cstddef>
#include <memory>

namespace safescope {

/// A per-thread scratch array of `Count` elements, 64-byte aligned, allocated the first time a thread asks for it.
///
/// Why not a `thread_local` array: such an array lives in the executable's static TLS block, which the C library
/// zeroes for every thread it starts, whether or not that thread ever runs the kernel. The kernels' buffers came to
/// 680 KiB, so every thread of every process (the CLI's main thread, a model open's workers, each of Qt's pool
/// threads) paid some 170 page faults, about a tenth of a 163-shard `validate`. Here only a pointer is thread-local.
///
/// `Site` tells apart call sites with the same element type and size, so two buffers used together (a diff's two
/// sides) never share storage. The elements are default-initialised, so arrays of scalars are not zeroed: every call
/// site writes what it reads.
template <typename T, size_t Count, typename Site> T* threadScratch()
{
    struct alignas(64) Storage
    {
        T items[Count];
    };
    thread_local std::unique_ptr<Storage> storage;
    if (!storage)
        storage.reset(new Storage);
    return storage->items;
}

} // namespace safescope
