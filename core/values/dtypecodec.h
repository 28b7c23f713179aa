#pragma once

#include "core/format/dtype.h"

#include <complex>
#include <cstddef>
#include <cstdint>

namespace safescope {

// Element decoding and encoding for all 22 dtypes (SPEC.md section 3). Data pointers may have any alignment:
// values are read with memcpy. `first` and `count` are in logical elements (F4 packs two per byte, F6 four per
// three bytes, LSB-first).

/// Decodes elements [first, first + count) to double. Integers exactly up to 2^53; C64 yields the real part.
void decodeToDouble(DType dtype, const unsigned char* data, uint64_t first, size_t count, double* out);

/// Decodes elements [first, first + count) to float (C64: real part).
void decodeToFloat(DType dtype, const unsigned char* data, uint64_t first, size_t count, float* out);

/// Decodes C64 elements [first, first + count).
void decodeComplex(const unsigned char* data, uint64_t first, size_t count, std::complex<float>* out);

/// Raw code of one element, zero-extended (C64: imaginary bits in the high half). For hex views and bit counts.
uint64_t rawBits(DType dtype, const unsigned char* data, uint64_t index);

/// Scalar decoders of single codes.
float decodeF16(uint16_t bits);
float decodeBF16(uint16_t bits);
float decodeF8(DType dtype, uint8_t code);   ///< any of the five F8 dtypes
float decodeF6(DType dtype, uint8_t code);   ///< F6_E2M3 or F6_E3M2, 6-bit code in the low bits
float decodeF4(uint8_t code);                ///< E2M1, 4-bit code in the low bits

/// Encoders with round-to-nearest-even. F16, BF16 and F8_E5M2 overflow to +-inf; F8_E4M3 saturates to +-448
/// (it has no infinity) unless `saturate` is false, in which case overflow gives NaN. NaN stays NaN.
uint16_t encodeF16(float value);
uint16_t encodeBF16(float value);
uint8_t encodeF8E4M3(float value, bool saturate = true);
uint8_t encodeF8E5M2(float value, bool saturate = false);

} // namespace safescope
