#pragma once

#include <cstdint>

namespace safescope {

class ViewReader;

/// A row-major [rows, cols] matrix of one-byte codes under a grid of scale blocks of blockRows x blockCols (edge
/// blocks partial), cut into segments for counting codes: pieces of one block, small enough for 16-bit counters
/// (at most kMaxElements each) and many enough to share among cores when one scale covers the whole tensor.
/// Segments are numbered row-major over a grid of piecesDown x piecesAcross pieces per block; pieces that fall
/// past the matrix's edge are empty.
class BlockSegments final
{
public:
    static constexpr uint64_t kMaxElements = 16384;

    BlockSegments(uint64_t rows, uint64_t cols, uint64_t blockRows, uint64_t blockCols);

    uint64_t count() const { return m_segmentRows * m_segmentCols; }
    /// Segments per row of pieces: consecutive segments that share the same matrix rows.
    uint64_t rowSegments() const { return m_segmentCols; }
    uint64_t elementsEach() const { return m_pieceRows * m_pieceCols; }
    /// Row-major index of the segment's block in the grid of scales.
    uint64_t blockOf(uint64_t segment) const
    {
        return segment / m_segmentCols / m_piecesDown * m_blockGridCols + segment % m_segmentCols / m_piecesAcross;
    }
    /// Adds the byte counts of segments [first, first + n) of `codes` to counts[(s - first) * 256 + byte]. With a
    /// reader over the same bytes, rows whose pages this process has not mapped yet are copied from the file in
    /// groups that fit its buffer (ViewReader): call it under SigbusGuard then, as for the mapping itself.
    void countBytes(const unsigned char* codes, uint64_t first, uint64_t n, uint16_t* counts,
                    const ViewReader* reader = nullptr) const;

private:
    uint64_t pieceRowOf(uint64_t row) const;      ///< the row of pieces holding matrix row `row`
    uint64_t firstRowOf(uint64_t pieceRow) const; ///< its first matrix row (m_rows past the edge)
    uint64_t endRowOf(uint64_t pieceRow) const;   ///< one past its last matrix row

    uint64_t m_rows, m_cols, m_blockRows, m_blockCols;
    uint64_t m_pieceRows = 1, m_pieceCols = 1;
    uint64_t m_piecesDown = 1, m_piecesAcross = 1;
    uint64_t m_blockGridCols = 1;
    uint64_t m_segmentRows = 0, m_segmentCols = 0;
};

} // namespace safescope
