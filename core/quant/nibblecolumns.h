#pragma once

#include <cstddef>
#include <cstdint>

namespace safescope {

/// The most outputs countNibbleColumns() counts in one call.
inline constexpr size_t kMaxNibbleColumns = 16;

/// Outputs countNibbleColumns() best counts in one call on this CPU: 16 where it has AVX-512BW, else 8.
size_t nibbleColumns();

/// Counts the 4-bit codes of `columns` adjacent 32-bit words (8, or 16 when nibbleColumns() says so) in each of
/// `rowCount` rows: the words of row r start at words + rows[r] * rowStride (any alignment), and column j's counts
/// go to counts[j * 16 + code] (16 x columns entries, overwritten). This is GPTQ's qweight read down a group:
/// eight codes per word, each column one output, so each column's counts are one segment's. Vectorised: a compare
/// per code over 64 codes at once (AVX2), or bit planes over 128 (AVX-512BW).
void countNibbleColumns(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                        size_t columns, uint32_t* counts);

} // namespace safescope
