#pragma once

#include "core/dtype.h"

#include <QString>

#include <cstdint>

namespace safescope {

/// How the slice table writes numbers.
enum class NumberFormat : uint8_t
{
    Fixed,      ///< 6 decimals (integers as integers)
    Scientific, ///< mantissa and exponent, 6 decimals
    HexBits     ///< the element's raw code, zero-padded to the dtype's width
};

/// Text of one slice element, shared by the table, TSV copy and CSV export so all three agree.
namespace cellformat {

/// `value` is the decoded element (C64: real part), `bits` its raw code (C64: imaginary bits in the high half).
QString text(DType dtype, double value, uint64_t bits, NumberFormat format);

/// A decoded number in a format (no dtype rules): "nan", "inf", "-inf" for the special values.
QString number(double value, NumberFormat format);

/// Full precision for machine readers (CSV export): shortest text that reads back to the same double.
QString exact(DType dtype, double value, uint64_t bits);

} // namespace cellformat

} // namespace safescope
