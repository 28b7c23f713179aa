#include "ui/models/cellformat.h"

#include <QLocale>

#include <bit>
#include <cmath>

namespace safescope::cellformat {

namespace {

constexpr int kDecimals = 6;

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
    return QString::number(value, format == NumberFormat::Scientific ? 'e' : 'f', kDecimals);
}

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
        return number(value, format);
    }
}

QString exact(DType dtype, double value, uint64_t bits)
{
    const auto shortest = [](double v) {
        return std::isfinite(v) ? QString::number(v, 'g', QLocale::FloatingPointShortest) : special(v);
    };
    switch (dtypeInfo(dtype).kind) {
    case DTypeKind::Bool:
    case DTypeKind::SignedInt:
    case DTypeKind::UnsignedInt:
        return text(dtype, value, bits, NumberFormat::Fixed);
    case DTypeKind::Complex: {
        const auto [re, im] = complexParts(bits);
        return complexText(re, im, shortest);
    }
    default:
        return shortest(value);
    }
}

} // namespace safescope::cellformat
