#pragma once

#include <QString>

#include <cstddef>
#include <cstdint>
#include <string>

namespace safescope {

/// Address space for a whole tensor in which only the pages filled with fetched bytes can be read. The rest is
/// reserved PROT_NONE (costing no memory), so a value read from a byte that was never fetched faults at once
/// instead of reading as zero: a bug in range arithmetic crashes, it never shows a wrong number.
class GuardedBuffer final
{
public:
    explicit GuardedBuffer(uint64_t size);
    /// The same with its pages backed by a temporary file created in `backingFolder` (the cache folder) and
    /// deleted at once, instead of anonymous memory: filled pages are file cache that the kernel writes back and
    /// evicts under pressure, so a tensor larger than RAM can be held. Falls back to anonymous memory when no file
    /// can be made there.
    GuardedBuffer(uint64_t size, const QString& backingFolder);
    ~GuardedBuffer();
    GuardedBuffer(GuardedBuffer&& other) noexcept;
    GuardedBuffer& operator=(GuardedBuffer&&) = delete;
    GuardedBuffer(const GuardedBuffer&) = delete;
    GuardedBuffer& operator=(const GuardedBuffer&) = delete;

    bool valid() const { return m_data != nullptr || m_size == 0; }
    uint64_t size() const { return m_size; }
    const unsigned char* data() const { return m_data; }
    /// Whether the pages are backed by a file rather than anonymous memory.
    bool fileBacked() const { return m_fileBacked; }

    /// The page-aligned span [pageBegin, pageEnd) (clipped to size()) that covers [begin, end).
    static uint64_t pageFloor(uint64_t offset);
    uint64_t pageCeil(uint64_t offset) const;

    /// Makes [begin, end) writable; `begin` must be page-aligned and `end` page-aligned or size(). Returns where
    /// to write, or nullptr on failure.
    unsigned char* open(uint64_t begin, uint64_t end);
    /// Makes [begin, end), filled, read-only.
    void seal(uint64_t begin, uint64_t end);

private:
    unsigned char* m_data = nullptr;
    uint64_t m_size = 0;
    uint64_t m_mapped = 0;
    bool m_fileBacked = false;
    std::string m_pendingRemoval; ///< a backing file the system would not delete while mapped (Windows)
};

} // namespace safescope
