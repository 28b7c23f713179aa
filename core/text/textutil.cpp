#include "core/text/textutil.h"

namespace safescope {

std::string quoteForMessage(std::string_view text)
{
    constexpr size_t kMaxShown = 200;
    if (text.size() <= kMaxShown)
        return "'" + std::string(text) + "'";
    // Cut on a UTF-8 character boundary so the message stays valid text.
    size_t cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return "'" + std::string(text.substr(0, cut)) + "…' (" + std::to_string(text.size()) + " bytes)";
}

std::string groupDigits(unsigned long long value)
{
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<size_t>(i), 1, ',');
    return digits;
}

} // namespace safescope
