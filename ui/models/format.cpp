#include "ui/models/format.h"

#include "core/text/textutil.h"

#include <QLocale>
#include <QStringList>

#include <algorithm>
#include <array>

namespace safescope::format {

namespace {

QString fromView(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

} // namespace

QString count(uint64_t value)
{
    // A fixed locale keeps the output identical on every machine (and in tests); grouping makes big counts readable.
    static const QLocale locale(QLocale::English, QLocale::UnitedStates);
    return locale.toString(static_cast<qulonglong>(value));
}

QString counted(uint64_t value, QStringView singular, QStringView plural)
{
    return safescope::counted(value, singular, plural);
}

QString compactCount(uint64_t value)
{
    static constexpr std::array<std::pair<double, const char*>, 4> units{
        {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}}};
    for (const auto& [scale, suffix] : units) {
        if (static_cast<double>(value) >= scale) {
            const double scaled = static_cast<double>(value) / scale;
            const int decimals = scaled >= 100 ? 0 : (scaled >= 10 ? 1 : 2);
            return QString::number(scaled, 'f', decimals) + u' ' + QLatin1StringView(suffix);
        }
    }
    return QString::number(value);
}

QString bytes(uint64_t value)
{
    static constexpr std::array<const char*, 5> units{"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (value < 1024)
        return QString::number(value) + QStringLiteral(" B");
    double scaled = static_cast<double>(value) / 1024.0;
    size_t unit = 0;
    while (scaled >= 1024.0 && unit + 1 < units.size()) {
        scaled /= 1024.0;
        ++unit;
    }
    const int decimals = scaled >= 100 ? 0 : (scaled >= 10 ? 1 : 2);
    return QString::number(scaled, 'f', decimals) + u' ' + QLatin1StringView(units[unit]);
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
        return fromView(tensor.unknownDType()) + QStringLiteral(" (unknown)");
    return fromView(dtypeName(tensor.dtype));
}

QString dtypeMix(std::span<const std::pair<DType, uint32_t>> mix)
{
    std::vector<std::pair<DType, uint32_t>> sorted(mix.begin(), mix.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    QStringList parts;
    for (const auto& [type, n] : sorted)
        parts.append(fromView(dtypeName(type)) + QStringLiteral(" \u00d7") + QString::number(n));
    return parts.join(QStringLiteral(", "));
}

} // namespace safescope::format
