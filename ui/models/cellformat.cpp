#include "ui/models/cellformat.h"

#include "core/values/dtypecodec.h"

#include <QLocale>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace safescope::cellformat {

namespace {

// std::to_chars without a precision writes the shortest text that reads back to the same value; `general` keeps
// plain digits for ordinary magnitudes and switches to an exponent where they would run long or hide the value.
template <typename T> QString shortest(T value, bool scientific)
{
    std::array<char, 64> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                      scientific ? std::chars_format::scientific : std::chars_format::general);
    return QString::fromLatin1(buffer.data(), result.ptr - buffer.data());
}

// F16 and BF16: the fewest significant digits whose text encodes back to the same 16-bit code.
QString shortestHalf(DType dtype, double value, uint16_t code, bool scientific)
{
    const auto encode = [dtype](float v) { return dtype == DType::F16 ? encodeF16(v) : encodeBF16(v); };
    for (int digits = 1; digits <= 9; ++digits) {
        std::array<char, 64> buffer{};
        std::snprintf(buffer.data(), buffer.size(), scientific ? "%.*e" : "%.*g", scientific ? digits - 1 : digits,
                      value);
        if (encode(std::strtof(buffer.data(), nullptr)) == code)
            return QString::fromLatin1(buffer.data());
    }
    return shortest(static_cast<float>(value), scientific);
}

QString floatText(DType dtype, double value, uint64_t bits, bool scientific)
{
    switch (dtype) {
    case DType::F64:
        return shortest(value, scientific);
    case DType::F16:
    case DType::BF16:
        return shortestHalf(dtype, value, static_cast<uint16_t>(bits), scientific);
    default:
        // F32, and the 8-, 6- and 4-bit floats, whose every value is a short binary fraction that float holds.
        return shortest(static_cast<float>(value), scientific);
    }
}

QString special(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
}

QString hex(uint64_t bits, int width)
{
    return QStringLiteral("0x") + QString::number(bits, 16).rightJustified(width, u'0');
}

// C64 stores the real part in the low 32 bits, the imaginary part in the high 32 bits.
std::pair<double, double> complexParts(uint64_t bits)
{
    return {std::bit_cast<float>(static_cast<uint32_t>(bits)), std::bit_cast<float>(static_cast<uint32_t>(bits >> 32))};
}

QString complexText(double re, double im, const auto& part)
{
    const QString sign = std::signbit(im) ? QStringLiteral(" - ") : QStringLiteral(" + ");
    return part(re) + sign + part(std::abs(im)) + u'i';
}

} // namespace

QString number(double value, NumberFormat format)
{
    if (!std::isfinite(value))
        return special(value);
    return shortest(static_cast<float>(value), format == NumberFormat::Scientific);
}

namespace {

QString floatCell(DType dtype, double value, uint64_t bits, NumberFormat format)
{
    if (!std::isfinite(value))
        return special(value);
    return floatText(dtype, value, bits, format == NumberFormat::Scientific);
}

} // namespace

QString text(DType dtype, double value, uint64_t bits, NumberFormat format)
{
    const DTypeKind kind = dtypeInfo(dtype).kind;
    if (format == NumberFormat::HexBits)
        return hex(bits, (dtypeBits(dtype) + 3) / 4);
    switch (kind) {
    case DTypeKind::Bool:
        return bits == 0 ? QStringLiteral("false") : bits == 1 ? QStringLiteral("true") : hex(bits, 2);
    case DTypeKind::SignedInt:
    case DTypeKind::UnsignedInt:
        // Integers are exact up to 2^53 as doubles; beyond that only the raw code is exact.
        if (format == NumberFormat::Fixed) {
            if (dtype == DType::I64)
                return QString::number(static_cast<qint64>(bits));
            if (dtype == DType::U64)
                return QString::number(static_cast<quint64>(bits));
            return QString::number(static_cast<qint64>(value));
        }
        return number(value, format);
    case DTypeKind::Complex: {
        const auto [re, im] = complexParts(bits);
        return complexText(re, im, [format](double v) { return number(v, format); });
    }
    default:
        return floatCell(dtype, value, bits, format);
    }
}

QString exact(DType dtype, double value, uint64_t bits)
{
    return text(dtype, value, bits, NumberFormat::Fixed);
}

} // namespace safescope::cellformat
