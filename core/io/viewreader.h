#pragma once

#include "core/values/tensorview.h"

#include <algorithm>
#include <cstdint>

namespace safescope {

class MappedFile;
class Model;

/// Reads a tensor's bytes for one pass over them: in place, or copied from its file when the mapping is cold.
///
/// A loop that does real work per cache line and reads a mapping nobody has read yet pays twice: the first touch
/// of each page (in the Firecracker VM this was measured on, about 65 ms a GiB on two threads) and, mostly, loads
/// that wait on memory because the hardware prefetcher falls behind such a loop (the statistics' F32 loop: 0.21 s
/// of CPU a GiB in place, against 0.08 s over a copy that sits in L2). pread() copies the same bytes from the page
/// cache through the kernel's own mapping, 0.18-0.24 s per GiB, leaves ours untouched, and hands the loop bytes in
/// cache. So a range whose pages this process has not mapped yet is copied from the file into a small buffer, and a
/// range already mapped (a warm mapping: an earlier pass read it in place), or a view with no file behind it, is
/// read in place. A loop that prefetches its own bytes ahead does better in place than copied (F32 statistics:
/// 0.27 against 0.35 s a GiB) and reads through ViewReader(view) instead.
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
