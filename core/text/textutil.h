#pragma once

#include <QString>

#include <string>
#include <string_view>

namespace safescope {

/// 'text' in single quotes for an error message, shortened to a readable length (names can be megabytes long).
std::string quoteForMessage(std::string_view text);

/// 1234567 -> "1,234,567": numbers in messages are read by people.
std::string groupDigits(unsigned long long value);

/// A UTF-8 view (a tensor name, a header field) as a QString; Qt has no overload for std::string_view.
inline QString toQString(std::string_view utf8)
{
    return QString::fromUtf8(utf8.data(), static_cast<qsizetype>(utf8.size()));
}

} // namespace safescope
