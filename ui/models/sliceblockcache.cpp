#include "ui/models/sliceblockcache.h"

#include "core/quant/dequantizedwindow.h"

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

SliceBlockCache::SliceBlockCache(std::shared_ptr<const void> owner, TensorView view, SliceSpec spec,
                                 SliceAddressing addressing, BlockRequest request)
    : m_owner(std::move(owner)), m_view(std::move(view)), m_spec(std::move(spec)), m_addressing(addressing),
      m_request(std::move(request))
{
    m_view.data = nullptr; // never read: the bytes come with fill()
}

uint64_t SliceBlockCache::keyOf(uint64_t blockRow, uint64_t blockCol) const
{
    const uint64_t blockColumns = (m_addressing.cols + kBlockCols - 1) / kBlockCols;
    return blockRow * blockColumns + blockCol;
}

void SliceBlockCache::fill(uint64_t blockRow, uint64_t blockCol, const TensorView& fetched)
{
    const uint64_t key = keyOf(blockRow, blockCol);
    m_requested.erase(key);
    if (m_blocks.size() >= kMaxBlocks)
        evictOldest();
    Block b = decode(fetched, blockRow, blockCol);
    b.lastUse = ++m_clock;
    m_blocks.insert_or_assign(key, std::move(b));
}

void SliceBlockCache::failBlock(uint64_t blockRow, uint64_t blockCol, const QString& message)
{
    const uint64_t key = keyOf(blockRow, blockCol);
    m_requested.erase(key);
    m_error = message;
    Block b;
    b.lastUse = ++m_clock;
    m_blocks.insert_or_assign(key, std::move(b)); // empty: not asked for again until evicted
}

SliceBlockCache::Cell SliceBlockCache::cell(uint64_t row, uint64_t col) const
{
    if (row >= m_addressing.rows || col >= m_addressing.cols || !hasValues())
        return {};
    if (isRemote()) {
        const uint64_t blockRow = row / kBlockRows;
        const uint64_t blockCol = col / kBlockCols;
        const uint64_t key = keyOf(blockRow, blockCol);
        if (!m_blocks.contains(key)) {
            if (m_requested.insert(key).second) {
                const uint64_t row0 = blockRow * kBlockRows;
                const uint64_t col0 = blockCol * kBlockCols;
                m_request(blockRow, blockCol, row0, std::min(kBlockRows, m_addressing.rows - row0), col0,
                          std::min(kBlockCols, m_addressing.cols - col0));
            }
            return {0.0, 0, true};
        }
    }
    const Block& b = block(row / kBlockRows, col / kBlockCols);
    const size_t i = static_cast<size_t>((row % kBlockRows) * b.cols + col % kBlockCols);
    if (i >= b.values.size())
        return {};
    return {b.values[i], b.bits[i]};
}

const SliceBlockCache::Block& SliceBlockCache::block(uint64_t blockRow, uint64_t blockCol) const
{
    const uint64_t key = keyOf(blockRow, blockCol);
    if (auto it = m_blocks.find(key); it != m_blocks.end()) {
        it->second.lastUse = ++m_clock;
        return it->second;
    }
    if (m_blocks.size() >= kMaxBlocks)
        evictOldest();
    Block b = decode(m_view, blockRow, blockCol);
    b.lastUse = ++m_clock;
    return m_blocks.emplace(key, std::move(b)).first->second;
}

SliceBlockCache::Block SliceBlockCache::decode(const TensorView& view, uint64_t blockRow, uint64_t blockCol) const
{
    const uint64_t row0 = blockRow * kBlockRows;
    const uint64_t col0 = blockCol * kBlockCols;
    const uint64_t rows = std::min(kBlockRows, m_addressing.rows - row0);
    const uint64_t cols = std::min(kBlockCols, m_addressing.cols - col0);
    Block b;
    b.cols = cols;
    b.values.resize(static_cast<size_t>(rows * cols));
    b.bits.resize(b.values.size());
    const Status decoded = m_dequantizer ? dequantizeWindow(row0, rows, col0, cols, b)
                                         : extractWindow(view, m_spec, row0, rows, col0, cols, b.values.data());
    const Status raw =
        !decoded || m_dequantizer ? decoded : rawBitsWindow(view, m_spec, row0, rows, col0, cols, b.bits.data());
    if (!raw) {
        m_error = raw.error().message;
        b.values.clear();
        b.bits.clear();
    }
    return b;
}

Status SliceBlockCache::dequantizeWindow(uint64_t row0, uint64_t rows, uint64_t col0, uint64_t cols, Block& block) const
{
    std::vector<float> window(static_cast<size_t>(rows * cols));
    if (Status read = readDequantizedWindow(*m_dequantizer, m_addressing, row0, rows, col0, cols, window.data()); !read)
        return read;
    for (size_t i = 0; i < window.size(); ++i) {
        block.values[i] = window[i];
        block.bits[i] = std::bit_cast<uint32_t>(window[i]);
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
