#include "core/headernamescan.h"

#include <cstring>

namespace safescope {

namespace {

constexpr int kMaxDepth = 64;

class Scanner
{
public:
    explicit Scanner(std::string_view json) : m_json(json) {}

    bool atEnd() const { return m_at >= m_json.size(); }
    char peek() const { return m_json[m_at]; }
    void advance() { ++m_at; }

    void skipSpace()
    {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            advance();
    }

    /// A key without escapes, the scanner at its opening quote; nullopt otherwise.
    std::optional<std::string_view> plainKey()
    {
        if (atEnd() || peek() != '"')
            return std::nullopt;
        const size_t start = m_at + 1;
        const void* quote =
            start < m_json.size() ? std::memchr(m_json.data() + start, '"', m_json.size() - start) : nullptr;
        if (quote == nullptr)
            return std::nullopt;
        const auto end = static_cast<size_t>(static_cast<const char*>(quote) - m_json.data());
        // An escape means the strict parser must decode the name; an escaped quote also ends memchr's run early.
        if (std::memchr(m_json.data() + start, '\\', end - start) != nullptr)
            return std::nullopt;
        m_at = end + 1;
        return m_json.substr(start, end - start);
    }

    /// Skips one value of any kind; the scanner stops on the ',' or '}' that follows it.
    bool skipValue()
    {
        int depth = 0;
        while (!atEnd()) {
            const char c = peek();
            if (c == '"') {
                if (!skipString())
                    return false;
                if (depth == 0)
                    return true;
            } else if (c == '{' || c == '[') {
                if (++depth > kMaxDepth)
                    return false;
                advance();
            } else if (c == '}' || c == ']') {
                if (depth == 0)
                    return true;
                advance();
                if (--depth == 0)
                    return true;
            } else if (c == ',' && depth == 0) {
                return true;
            } else {
                advance();
            }
        }
        return false;
    }

private:
    bool skipString()
    {
        advance(); // the opening quote
        while (!atEnd()) {
            const char c = peek();
            if (c == '\\') {
                m_at += 2;
                continue;
            }
            advance();
            if (c == '"')
                return true;
        }
        return false;
    }

    std::string_view m_json;
    size_t m_at = 0;
};

} // namespace

std::optional<std::vector<std::string_view>> scanTensorNames(std::string_view json)
{
    Scanner scan(json);
    std::vector<std::string_view> names;
    scan.skipSpace();
    if (scan.atEnd() || scan.peek() != '{')
        return std::nullopt;
    scan.advance();
    scan.skipSpace();
    if (!scan.atEnd() && scan.peek() == '}')
        return names;
    for (;;) {
        scan.skipSpace();
        const std::optional<std::string_view> key = scan.plainKey();
        if (!key)
            return std::nullopt;
        scan.skipSpace();
        if (scan.atEnd() || scan.peek() != ':')
            return std::nullopt;
        scan.advance();
        if (!scan.skipValue())
            return std::nullopt;
        if (*key != "__metadata__")
            names.push_back(*key);
        scan.skipSpace();
        if (scan.atEnd())
            return std::nullopt;
        if (scan.peek() == '}')
            return names;
        if (scan.peek() != ',')
            return std::nullopt;
        scan.advance();
    }
}

} // namespace safescope
