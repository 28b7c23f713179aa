#pragma once

#include <cstddef>
#include <cstdint>

namespace safescope {

/// CRC-64/XZ (ECMA-182 polynomial, reflected; the check xz files carry) of `size` bytes, continuing from `crc`
/// (0 to start). Detects torn and corrupted writes of the save's recovery record at several GB/s, where SHA-256
/// from Qt runs near 240 MB/s and took most of an in-place save; no adversary forges a crash, so no cryptographic
/// hash is needed.
uint64_t crc64(const void* data, size_t size, uint64_t crc = 0);

} // namespace safescope
