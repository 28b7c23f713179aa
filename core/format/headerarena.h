#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace safescope {

/// Owns the bytes behind a header's tensor names and shapes. A million-tensor header must not cost a heap block
/// per name and per shape (two allocations, their headers and the slack of each): names and dimensions are copied
/// into large blocks that never move, so TensorInfo can hold plain views into them. Identical shapes (most tensors
/// of a model share a handful) are stored once. Append-only; the views stay valid as long as the arena lives, and
/// a Header shares its arena with every copy of it.
class HeaderArena final
{
public:
    HeaderArena() = default;
    HeaderArena(const HeaderArena&) = delete;
    HeaderArena& operator=(const HeaderArena&) = delete;

    /// A stable copy of `text`.
    std::string_view store(std::string_view text);
    /// A stable copy of two texts, one right after the other (a name and the text that belongs to it).
    std::string_view storeJoined(std::string_view first, std::string_view second);
    /// A stable copy of `dims`, shared with an earlier identical shape when one is recent enough to be found.
    std::span<const uint64_t> storeShape(std::span<const uint64_t> dims);

    /// Bytes held in blocks (what the arena costs), for tests and benchmarks.
    size_t reservedBytes() const { return m_reserved; }

private:
    static constexpr size_t kBlockBytes = 64 * 1024;
    static constexpr size_t kShapeCacheSlots = 256;

    void* allocate(size_t bytes, size_t alignment);

    std::vector<std::unique_ptr<std::byte[]>> m_blocks;
    std::byte* m_next = nullptr;
    size_t m_left = 0;
    size_t m_reserved = 0;
    std::array<std::span<const uint64_t>, kShapeCacheSlots> m_recentShapes{};
};

} // namespace safescope
