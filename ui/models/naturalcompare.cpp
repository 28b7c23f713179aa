#include "ui/models/naturalcompare.h"

#include <cstddef>

namespace safescope {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

int naturalCompare(std::string_view a, std::string_view b)
{
    size_t i = 0;
    size_t j = 0;
    while (i < a.size() && j < b.size()) {
        if (isDigit(a[i]) && isDigit(b[j])) {
            // Compare digit runs by value without converting: strip leading zeros, then longer wins,
            // then the first differing digit. This never overflows, whatever the run length.
            size_t ai = i;
            size_t bj = j;
            while (ai < a.size() && a[ai] == '0')
                ++ai;
            while (bj < b.size() && b[bj] == '0')
                ++bj;
            size_t aEnd = ai;
            size_t bEnd = bj;
            while (aEnd < a.size() && isDigit(a[aEnd]))
                ++aEnd;
            while (bEnd < b.size() && isDigit(b[bEnd]))
                ++bEnd;
            const size_t aLen = aEnd - ai;
            const size_t bLen = bEnd - bj;
            if (aLen != bLen)
                return aLen < bLen ? -1 : 1;
            const int digits = a.substr(ai, aLen).compare(b.substr(bj, bLen));
            if (digits != 0)
                return digits < 0 ? -1 : 1;
            // Same value: the run with fewer leading zeros first, so the order stays total.
            const size_t aRun = aEnd - i;
            const size_t bRun = bEnd - j;
            if (aRun != bRun)
                return aRun < bRun ? -1 : 1;
            i = aEnd;
            j = bEnd;
            continue;
        }
        const auto ca = static_cast<unsigned char>(a[i]);
        const auto cb = static_cast<unsigned char>(b[j]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        ++i;
        ++j;
    }
    if (i == a.size() && j == b.size())
        return 0;
    return i == a.size() ? -1 : 1;
}

} // namespace safescope
