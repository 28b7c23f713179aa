#include "core/text/format.h"

#include "core/text/textutil.h"

#include <QStringList>

#include <algorithm>
#include <array>
#include <vector>

namespace safescope::format {

namespace {

// `value` >= `base` written with three significant digits in the largest unit that keeps it at or above 1. The
// digits are chosen after rounding: 1,048,575 bytes is 1023.999 KiB, which rounds to "1.00 MiB", not "1024 KiB";
// 9.996 KiB is "10.0 KiB", not "10.00 KiB".
QString scaled(uint64_t value, double base, std::span<const char* const> units)
{
    double x = static_cast<double>(value) / base;
    size_t unit = 0;
    while (x >= base && unit + 1 < units.size()) {
        x /= base;
        ++unit;
    }
    for (;;) {
        const int decimals = x >= 100 ? 0 : (x >= 10 ? 1 : 2);
        const QString digits = QString::number(x, 'f', decimals);
        const double shown = digits.toDouble();
        if (shown >= base && unit + 1 < units.size()) {
            x /= base;
            ++unit;
            continue;
        }
        if ((decimals == 2 && shown >= 10) || (decimals == 1 && shown >= 100)) {
            x = shown; // one digit fewer after the point: 9.996 -> 10.0, 99.96 -> 100
            continue;
        }
        return digits + u' ' + QLatin1StringView(units[unit]);
    }
}

} // namespace

QString count(uint64_t value)
{
    return QString::fromStdString(groupDigits(value));
}

QString signedCount(int64_t value)
{
    // The magnitude as unsigned: -INT64_MIN does not fit in int64_t.
    const uint64_t magnitude = value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    return value < 0 ? u'-' + count(magnitude) : count(magnitude);
}

QString counted(uint64_t value, QStringView singular, QStringView plural)
{
    return count(value) + u' ' + (value == 1 ? singular : plural);
}

QString compactCount(uint64_t value)
{
    // "B" for billions, as model cards write parameter counts ("7B"); sizes say "GiB", so the two never mix.
    static constexpr std::array<const char*, 4> units{"K", "M", "B", "T"};
    return value < 1000 ? QString::number(value) : scaled(value, 1000.0, units);
}

QString bytes(uint64_t value)
{
    static constexpr std::array<const char*, 6> units{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    return value < 1024 ? QString::number(value) + QStringLiteral(" B") : scaled(value, 1024.0, units);
}

QString shape(std::span<const uint64_t> dims)
{
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(dims.size()));
    for (const uint64_t dim : dims)
        parts.append(QString::number(dim));
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}

QString dtype(const TensorInfo& tensor)
{
    if (tensor.dtype == DType::Unknown)
        return toQString(tensor.unknownDType()) + QStringLiteral(" (unknown)");
    return toQString(dtypeName(tensor.dtype));
}

QString dtypeMix(std::span<const std::pair<DType, uint32_t>> mix)
{
    std::vector<std::pair<DType, uint32_t>> sorted(mix.begin(), mix.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    QStringList parts;
    for (const auto& [type, n] : sorted)
        parts.append(toQString(dtypeName(type)) + QStringLiteral(" \u00d7") + QString::number(n));
    return parts.join(QStringLiteral(", "));
}

} // namespace safescope::format
