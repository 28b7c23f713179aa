#pragma once

#include <cstddef>
#include <optional>

namespace safescope {

/// Position of the first byte that makes `data` invalid UTF-8 (overlongs, surrogates, > U+10FFFF, truncated
/// sequences), or nullopt when all `size` bytes are valid. Matches Rust's std::str::from_utf8.
std::optional<size_t> findInvalidUtf8(const unsigned char* data, size_t size);

} // namespace safescope
