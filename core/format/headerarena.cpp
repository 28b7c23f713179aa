#include "core/format/headerarena.h"

#include <algorithm>
#include <cstring>

namespace safescope {

namespace {

size_t hashDims(std::span<const uint64_t> dims)
{
    uint64_t hash = 0x9E3779B97F4A7C15ULL ^ dims.size();
    for (uint64_t dim : dims) {
        hash ^= dim + 0x9E3779B97F4A7C15ULL + (hash << 6) + (hash >> 2);
    }
    return static_cast<size_t>(hash ^ (hash >> 29));
}

} // namespace

void* HeaderArena::allocate(size_t bytes, size_t alignment)
{
    const size_t misalignment = reinterpret_cast<uintptr_t>(m_next) % alignment;
    const size_t skip = misalignment == 0 ? 0 : alignment - misalignment;
    if (m_next == nullptr || skip + bytes > m_left) {
        // A request larger than a block gets a block of its own; the current block keeps serving small ones.
        const size_t size = std::max(kBlockBytes, bytes);
        // Not zeroed (make_unique would be): every byte handed out is written first, and zeroing a fresh block was a
        // tenth of opening a 163-shard index, its page faults included.
        std::unique_ptr<std::byte[]> block(new std::byte[size]);
        std::byte* start = block.get();
        m_blocks.push_back(std::move(block));
        m_reserved += size;
        if (size > kBlockBytes)
            return start;
        m_next = start;
        m_left = size;
        return allocate(bytes, alignment);
    }
    std::byte* result = m_next + skip;
    m_next = result + bytes;
    m_left -= skip + bytes;
    return result;
}

std::string_view HeaderArena::store(std::string_view text)
{
    return storeJoined(text, {});
}

std::string_view HeaderArena::storeJoined(std::string_view first, std::string_view second)
{
    const size_t size = first.size() + second.size();
    if (size == 0)
        return {};
    auto* bytes = static_cast<char*>(allocate(size, 1));
    // An empty view may hold a null pointer (an empty tensor name): memcpy from null is undefined even for 0 bytes.
    if (!first.empty())
        std::memcpy(bytes, first.data(), first.size());
    if (!second.empty())
        std::memcpy(bytes + first.size(), second.data(), second.size());
    return {bytes, size};
}

std::span<const uint64_t> HeaderArena::storeShape(std::span<const uint64_t> dims)
{
    if (dims.empty())
        return {};
    std::span<const uint64_t>& recent = m_recentShapes[hashDims(dims) % kShapeCacheSlots];
    if (std::ranges::equal(recent, dims))
        return recent;
    auto* stored = static_cast<uint64_t*>(allocate(dims.size_bytes(), alignof(uint64_t)));
    std::memcpy(stored, dims.data(), dims.size_bytes());
    recent = {stored, dims.size()};
    return recent;
}

} // namespace safescope
