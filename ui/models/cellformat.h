#pragma once

#include "core/format/dtype.h"

#include <QString>

#include <cstdint>

namespace safescope {

/// How the slice table writes numbers.
enum class NumberFormat : uint8_t
{
    Fixed,      ///< decimal, with an exponent only where plain digits would hide the value (1e-08, 3.4e+38)
    Scientific, ///< always mantissa and exponent
    HexBits     ///< the element's raw code, zero-padded to the dtype's width
};

/// Text of one slice element, shared by the table, TSV copy and CSV export so all three agree.
namespace cellformat {

/// `value` is the decoded element (C64: real part), `bits` its raw code (C64: imaginary bits in the high half).
/// Floats are written with the fewest significant digits that read back to the same element of their dtype
/// (so an F32 never shows float64 noise, a BF16 at most 4 digits), which makes the text exact: what is shown is
/// what a copy puts on the clipboard and what reads back bit for bit.
QString text(DType dtype, double value, uint64_t bits, NumberFormat format);

/// A number that belongs to no stored element (a difference, a statistic): the shortest text that reads back to
/// the same float32, in a format. "nan", "inf", "-inf" for the special values.
QString number(double value, NumberFormat format);

/// For machine readers (CSV export, tooltips): the element's shortest exact text in the Fixed format.
QString exact(DType dtype, double value, uint64_t bits);

} // namespace cellformat

} // namespace safescope
