#pragma once

#include "core/quant/dequantizer.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorview.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace safescope {

/// Decoded values of a slice, fetched in fixed blocks on demand and kept in a small least-recently-used cache:
/// a table only ever asks for the cells on screen, so a 150,000 x 8,192 slice costs a few blocks, not 1.2 G cells.
class SliceBlockCache final
{
public:
    static constexpr uint64_t kBlockRows = 64;
    static constexpr uint64_t kBlockCols = 32;
    static constexpr size_t kMaxBlocks = 96; ///< ~3 MiB: several screens of cells

    struct Cell
    {
        double value = 0.0;   ///< decoded (C64: real part)
        uint64_t bits = 0;    ///< raw code
        bool pending = false; ///< a remote block not fetched yet
    };

    /// Asks the cache's owner to fetch a block of a remote tensor: window [row0, +rows) x [col0, +cols) of the slice.
    using BlockRequest = std::function<void(uint64_t blockRow, uint64_t blockCol, uint64_t row0, uint64_t rows,
                                            uint64_t col0, uint64_t cols)>;

    SliceBlockCache() = default;
    /// `owner` keeps the bytes of `view` alive (the Model).
    SliceBlockCache(std::shared_ptr<const void> owner, TensorView view, SliceSpec spec, SliceAddressing addressing);
    /// A logical tensor's dequantized values: each block is read through `dequantizer` (row runs of the block only,
    /// never the whole tensor). The view says F32 and the logical shape; raw codes are the float's bits.
    SliceBlockCache(std::shared_ptr<const void> owner, std::shared_ptr<const Dequantizer> dequantizer, SliceSpec spec,
                    SliceAddressing addressing);

    /// A remote tensor (`view` has its shape and no bytes): a block not fetched yet is asked for once through
    /// `request` and its cells are pending until fill() hands over the fetched bytes. Nothing blocks data().
    SliceBlockCache(std::shared_ptr<const void> owner, TensorView view, SliceSpec spec, SliceAddressing addressing,
                    BlockRequest request);

    /// The fetched bytes of a remote block (a view of the whole tensor in which the block's window is readable).
    void fill(uint64_t blockRow, uint64_t blockCol, const TensorView& fetched);
    /// A remote block could not be fetched: its cells stay empty and error() says why.
    void failBlock(uint64_t blockRow, uint64_t blockCol, const QString& message);
    bool isRemote() const { return static_cast<bool>(m_request); }
    /// Remote blocks asked for and not delivered yet.
    size_t pendingBlocks() const { return m_requested.size(); }

    /// The element at (row, col) of the slice; decodes its block if needed. Out-of-range cells are 0.
    Cell cell(uint64_t row, uint64_t col) const;
    /// The last decoding failure (a truncated file), empty when all went well.
    const QString& error() const { return m_error; }
    const SliceAddressing& addressing() const { return m_addressing; }
    const TensorView& view() const { return m_view; }
    /// The reader of a logical tensor's values; null for a stored tensor (then view() holds the bytes).
    const std::shared_ptr<const Dequantizer>& dequantizer() const { return m_dequantizer; }
    size_t cachedBlocks() const { return m_blocks.size(); }
    /// True when there are values to show (a mapped tensor or a dequantizer).
    bool hasValues() const { return m_view.data != nullptr || m_dequantizer != nullptr || isRemote(); }

private:
    struct Block
    {
        std::vector<double> values;
        std::vector<uint64_t> bits;
        uint64_t cols = 0;
        uint64_t lastUse = 0;
    };
    const Block& block(uint64_t blockRow, uint64_t blockCol) const;
    void evictOldest() const;
    uint64_t keyOf(uint64_t blockRow, uint64_t blockCol) const;
    Block decode(const TensorView& view, uint64_t blockRow, uint64_t blockCol) const;
    Status dequantizeWindow(uint64_t row0, uint64_t rows, uint64_t col0, uint64_t cols, Block& block) const;

    std::shared_ptr<const void> m_owner;
    TensorView m_view;
    std::shared_ptr<const Dequantizer> m_dequantizer;
    SliceSpec m_spec;
    SliceAddressing m_addressing;
    // A cache behind a const accessor: data() is const in Qt's model API.
    mutable std::unordered_map<uint64_t, Block> m_blocks;
    mutable uint64_t m_clock = 0;
    BlockRequest m_request;
    mutable std::unordered_set<uint64_t> m_requested; ///< remote blocks asked for, not delivered yet
    mutable QString m_error;
};

} // namespace safescope
