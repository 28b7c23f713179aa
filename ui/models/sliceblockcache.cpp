#include "ui/models/sliceblockcache.h"

#include <algorithm>
#include <bit>

namespace safescope {

SliceBlockCache::SliceBlockCache(std::shared_ptr<const void> owner, TensorView view, SliceSpec spec,
                                 SliceAddressing addressing)
    : m_owner(std::move(owner)), m_view(std::move(view)), m_spec(std::move(spec)), m_addressing(addressing)
{}

SliceBlockCache::SliceBlockCache(std::shared_ptr<const void> owner, std::shared_ptr<const Dequantizer> dequantizer,
                                 SliceSpec spec, SliceAddressing addressing)
    : m_owner(std::move(owner)), m_dequantizer(std::move(dequantizer)), m_spec(std::move(spec)),
      m_addressing(addressing)
{
    const LogicalTensor& tensor = m_dequantizer->tensor();
    m_view.dtype = DType::F32;
    m_view.shape = tensor.shape;
    m_view.elementCount = tensor.elementCount;
}

SliceBlockCache::Cell SliceBlockCache::cell(uint64_t row, uint64_t col) const
{
    if (row >= m_addressing.rows || col >= m_addressing.cols || !hasValues())
        return {};
    const Block& b = block(row / kBlockRows, col / kBlockCols);
    const size_t i = static_cast<size_t>((row % kBlockRows) * b.cols + col % kBlockCols);
    if (i >= b.values.size())
        return {};
    return {b.values[i], b.bits[i]};
}

const SliceBlockCache::Block& SliceBlockCache::block(uint64_t blockRow, uint64_t blockCol) const
{
    const uint64_t blockColumns = (m_addressing.cols + kBlockCols - 1) / kBlockCols;
    const uint64_t key = blockRow * blockColumns + blockCol;
    if (auto it = m_blocks.find(key); it != m_blocks.end()) {
        it->second.lastUse = ++m_clock;
        return it->second;
    }
    if (m_blocks.size() >= kMaxBlocks)
        evictOldest();

    const uint64_t row0 = blockRow * kBlockRows;
    const uint64_t col0 = blockCol * kBlockCols;
    const uint64_t rows = std::min(kBlockRows, m_addressing.rows - row0);
    const uint64_t cols = std::min(kBlockCols, m_addressing.cols - col0);
    Block b;
    b.cols = cols;
    b.values.resize(static_cast<size_t>(rows * cols));
    b.bits.resize(b.values.size());
    const Status decoded = m_dequantizer ? dequantizeWindow(row0, rows, col0, cols, b)
                                         : extractWindow(m_view, m_spec, row0, rows, col0, cols, b.values.data());
    const Status raw =
        !decoded || m_dequantizer ? decoded : rawBitsWindow(m_view, m_spec, row0, rows, col0, cols, b.bits.data());
    if (!raw) {
        m_error = raw.error().message;
        b.values.clear();
        b.bits.clear();
    }
    b.lastUse = ++m_clock;
    return m_blocks.emplace(key, std::move(b)).first->second;
}

// A slice row whose columns are adjacent elements is one read; otherwise (the row axis is the last one) each cell is.
Status SliceBlockCache::dequantizeWindow(uint64_t row0, uint64_t rows, uint64_t col0, uint64_t cols, Block& block) const
{
    std::vector<float> run(static_cast<size_t>(cols));
    for (uint64_t r = 0; r < rows; ++r) {
        const uint64_t first = m_addressing.base + (row0 + r) * m_addressing.rowStride + col0 * m_addressing.colStride;
        if (m_addressing.colStride == 1 || cols == 1) {
            if (Status read = m_dequantizer->read(first, cols, run.data()); !read)
                return read;
        } else {
            for (uint64_t c = 0; c < cols; ++c) {
                if (Status read = m_dequantizer->read(first + c * m_addressing.colStride, 1, &run[c]); !read)
                    return read;
            }
        }
        for (uint64_t c = 0; c < cols; ++c) {
            const size_t i = static_cast<size_t>(r * cols + c);
            block.values[i] = run[static_cast<size_t>(c)];
            block.bits[i] = std::bit_cast<uint32_t>(run[static_cast<size_t>(c)]);
        }
    }
    return Ok{};
}

void SliceBlockCache::evictOldest() const
{
    const auto oldest = std::min_element(m_blocks.begin(), m_blocks.end(), [](const auto& a, const auto& b) {
        return a.second.lastUse < b.second.lastUse;
    });
    m_blocks.erase(oldest);
}

} // namespace safescope
