#pragma once

#include <cstddef>
#include <cstdint>

namespace safescope {

/// Outputs (32-bit words side by side in a row) counted at once by countNibbleColumns().
inline constexpr size_t kNibbleColumns = 8;

/// Counts the 4-bit codes of kNibbleColumns adjacent 32-bit words in each of `rowCount` rows: the words of row r
/// start at words + rows[r] * rowStride (any alignment), and column j's counts go to counts[code * 8 + j]
/// (16 x 8 entries, overwritten). This is GPTQ's qweight read down a group: eight codes per word, each column
/// one output, so each column's counts are one segment's. Vectorised: a compare per code over 64 codes at once.
void countNibbleColumns(const unsigned char* words, uint64_t rowStride, const uint32_t* rows, size_t rowCount,
                        uint32_t* counts);

} // namespace safescope
