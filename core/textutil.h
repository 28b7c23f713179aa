#pragma once

#include <string>
#include <string_view>

namespace safescope {

/// 'text' in single quotes for an error message, shortened to a readable length (names can be megabytes long).
std::string quoteForMessage(std::string_view text);

/// 1234567 -> "1,234,567": numbers in messages are read by people.
std::string groupDigits(unsigned long long value);

} // namespace safescope
