#include "core/format/utf8.h"

#include <cstdint>
#include <cstring>

namespace safescope {

namespace {

// Length of a valid sequence starting at data[i], or 0 when it is invalid (Unicode Table 3-7).
size_t sequenceLength(const unsigned char* data, size_t size, size_t i)
{
    const unsigned char lead = data[i];
    auto cont = [&](size_t k, unsigned char lo, unsigned char hi) {
        return i + k < size && data[i + k] >= lo && data[i + k] <= hi;
    };
    if (lead >= 0xC2 && lead <= 0xDF)
        return cont(1, 0x80, 0xBF) ? 2 : 0;
    if (lead == 0xE0)
        return cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF)
        return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if (lead == 0xED) // excludes the surrogates U+D800..U+DFFF
        return cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if (lead == 0xF0)
        return cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    if (lead >= 0xF1 && lead <= 0xF3)
        return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    if (lead == 0xF4)
        return cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
}

} // namespace

std::optional<size_t> findInvalidUtf8(const unsigned char* data, size_t size)
{
    constexpr uint64_t kHighBits = 0x8080808080808080ULL;
    size_t i = 0;
    while (i < size) {
        // Headers are almost all ASCII: skip 16 bytes at a time while no high bit is set.
        while (i + 16 <= size) {
            uint64_t a = 0;
            uint64_t b = 0;
            std::memcpy(&a, data + i, 8);
            std::memcpy(&b, data + i + 8, 8);
            if (((a | b) & kHighBits) != 0)
                break;
            i += 16;
        }
        if (i >= size)
            break;
        if (data[i] < 0x80) {
            ++i;
            continue;
        }
        const size_t length = sequenceLength(data, size, i);
        if (length == 0)
            return i;
        i += length;
    }
    return std::nullopt;
}

} // namespace safescope
