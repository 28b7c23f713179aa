#pragma once

#include "core/values/tensorview.h"

#include <algorithm>
#include <cstdint>

namespace safescope {

class MappedFile;
class Model;

/// Reads a tensor's bytes for one pass over them: in place, or copied from its file when the mapping is cold.
///
/// Touching a page of a new mapping for the first time can cost far more than reading it. In the Firecracker VM
/// this was measured on, the first access through each new page-table entry costs 2-3 us a 4 KiB page (0.6-0.8 s
/// per GiB on one thread), as if the hypervisor built its own tables lazily, and prefaulting does not help:
/// MADV_POPULATE_READ fills the page tables of 1 GiB in one call (~40 ms) but the first accesses stay as slow
/// (0.65-0.74 s against 0.71-0.80 s). pread() copies the same bytes from the page cache through the kernel's own
/// mapping, 0.18-0.24 s per GiB, and leaves ours untouched. So a range whose pages this process has not mapped yet
/// is copied from the file into a small buffer, and a range already mapped (a warm mapping: an earlier pass read
/// it in place), or a view with no file behind it, is read in place.
class ViewReader final
{
public:
    /// Scratch space for one copied range of at most kBytes. Buffers return to a process-wide pool: passes run on
    /// threads started for them, and a fresh buffer would pay the first-touch cost of its own pages every time.
    class Buffer final
    {
    public:
        static constexpr uint64_t kBytes = uint64_t(256) << 10; ///< stays in L2 while it is compared

        Buffer();
        ~Buffer();
        Buffer(const Buffer&) = delete;
        Buffer& operator=(const Buffer&) = delete;

        unsigned char* data() const { return m_data; }

    private:
        unsigned char* m_data = nullptr;
    };

    /// Reads `view` in place only (a buffer, or a mapping whose file is not known).
    explicit ViewReader(TensorView view);
    /// Reads `view`, whose first byte lies at `offset` in `file`; the file must outlive the reader.
    ViewReader(TensorView view, const MappedFile& file, uint64_t offset);

    const TensorView& view() const { return m_view; }

    /// Whether a pass over view bytes [begin, begin + length) should copy them: there is a file, the range is
    /// more than a few pages, and its last page is not mapped in this process yet. Costs a small read of
    /// /proc/self/pagemap (a few us), so ask once per chunk of a few MiB, not per block.
    bool shouldCopy(uint64_t begin, uint64_t length) const;

    /// View bytes [begin, begin + length), length <= Buffer::kBytes when `copy`: in place, or read from the file
    /// into `buffer`. When the file no longer holds them (truncated under us) the read ends the way touching the
    /// vanished mapped bytes would, with SIGBUS, which SigbusGuard turns into ErrorKind::FileChanged: call it only
    /// where a read of the mapping would be guarded.
    const unsigned char* read(uint64_t begin, uint64_t length, unsigned char* buffer, bool copy) const;

    /// Calls fn(bytes, at, n) over view bytes [begin, begin + length) in order, one decision for the whole range
    /// (shouldCopy): in place at once, or copied from the file in pieces of at most Buffer::kBytes, each a whole
    /// number of `unit` bytes (an element, a block of elements, a row). A unit larger than the buffer is read in
    /// place. Guarded as read() is.
    template <typename Fn> void forEachPiece(uint64_t begin, uint64_t length, uint64_t unit, Fn&& fn) const
    {
        if (length == 0)
            return;
        if (unit == 0 || unit > Buffer::kBytes || !shouldCopy(begin, length)) {
            fn(m_view.data + begin, begin, length);
            return;
        }
        const Buffer buffer;
        const uint64_t piece = Buffer::kBytes / unit * unit;
        for (uint64_t at = begin; at < begin + length; at += piece) {
            const uint64_t n = std::min(piece, begin + length - at);
            fn(read(at, n, buffer.data(), true), at, n);
        }
    }

private:
    TensorView m_view;
    const MappedFile* m_file = nullptr;
    uint64_t m_offset = 0;
};

/// The reader of tensor `index` of `model`, copying cold ranges from its shard's file.
ViewReader readerOf(const Model& model, size_t index);
/// The reader of a view: copying cold ranges from view.source when the view's bytes lie in that file's mapping,
/// in place otherwise (a buffer, a gathered sample).
ViewReader readerOf(const TensorView& view);

} // namespace safescope
