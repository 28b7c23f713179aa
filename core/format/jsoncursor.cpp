#include "core/format/jsoncursor.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace safescope {

namespace {

using Bytes16 = unsigned char __attribute__((vector_size(16)));

// The position of the first byte set to 0xFF in a 16-byte compare mask held as two 64-bit words in memory order.
int firstMarkedByte(uint64_t low, uint64_t high)
{
    static_assert(std::endian::native == std::endian::little, "byte order of the mask words");
    return low != 0 ? std::countr_zero(low) / 8 : 8 + std::countr_zero(high) / 8;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void appendUtf8(std::string& out, uint32_t codePoint)
{
    if (codePoint < 0x80) {
        out += static_cast<char>(codePoint);
    } else if (codePoint < 0x800) {
        out += static_cast<char>(0xC0 | (codePoint >> 6));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else if (codePoint < 0x10000) {
        out += static_cast<char>(0xE0 | (codePoint >> 12));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (codePoint >> 18));
        out += static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    }
}

} // namespace

JsonCursor::JsonCursor(const char* json, size_t size) : m_begin(json), m_end(json + size), m_pos(json) {}

bool JsonCursor::failAt(size_t position, std::string message)
{
    m_failurePosition = position;
    m_failure = std::move(message);
    return false;
}

bool JsonCursor::fail(std::string message)
{
    return failAt(static_cast<size_t>(m_pos - m_begin), std::move(message));
}

void JsonCursor::skipSpace()
{
    // Most calls find no space at all: one comparison says so before the four of isSpace().
    while (m_pos < m_end && static_cast<unsigned char>(*m_pos) <= ' ' && isSpace(*m_pos))
        ++m_pos;
}

bool JsonCursor::expect(char c, const char* context)
{
    skipSpace();
    if (m_pos < m_end && *m_pos == c) {
        ++m_pos;
        return true;
    }
    if (m_pos == m_end)
        return fail(std::string("invalid JSON: the header ends ") + context);
    return fail(std::string("invalid JSON: expected '") + c + "' " + context);
}

const char* JsonCursor::describeValueAt() const
{
    if (m_pos >= m_end)
        return "the end of the header";
    switch (*m_pos) {
    case '{':
        return "an object";
    case '[':
        return "an array";
    case '"':
        return "a string";
    case 't':
    case 'f':
        return "a boolean";
    case 'n':
        return "null";
    default:
        return (*m_pos == '-' || isDigit(*m_pos)) ? "a number" : "invalid JSON";
    }
}

bool JsonCursor::parseString(std::string_view& out)
{
    skipSpace();
    if (m_pos >= m_end || *m_pos != '"')
        return fail(std::string("invalid JSON: expected a string, found ") + describeValueAt());
    const char* start = ++m_pos;
    // Sixteen bytes at a time up to the first one that needs a look: '"', '\\' or a control character; names are
    // most of an index's and a header's bytes. Three vector compares per block (SSE2 or NEON through GCC's vector
    // extension) took the string scan from 3.4 to 1.5 instructions a byte (callgrind); the block that holds the special
    // byte says where it is, and the byte loop below starts on it.
    while (m_end - m_pos >= 16) {
        Bytes16 block;
        std::memcpy(&block, m_pos, sizeof block);
        const auto special = (block == '"') | (block == '\\') | (block < 0x20);
        uint64_t halves[2];
        static_assert(sizeof special == sizeof halves);
        std::memcpy(halves, &special, sizeof halves);
        if ((halves[0] | halves[1]) != 0) {
            m_pos += firstMarkedByte(halves[0], halves[1]);
            break;
        }
        m_pos += 16;
    }
    while (m_pos < m_end) {
        const auto c = static_cast<unsigned char>(*m_pos);
        if (c == '"') {
            out = std::string_view(start, static_cast<size_t>(m_pos - start));
            ++m_pos;
            return true;
        }
        if (c == '\\')
            return parseEscapedString(static_cast<size_t>(start - m_begin), out);
        if (c < 0x20)
            return fail("invalid JSON: control character in a string (it must be escaped)");
        ++m_pos;
    }
    return fail("invalid JSON: unterminated string");
}

bool JsonCursor::parseEscapedString(size_t start, std::string_view& out)
{
    m_scratch.assign(m_begin + start, m_pos);
    while (m_pos < m_end) {
        const auto c = static_cast<unsigned char>(*m_pos);
        if (c == '"') {
            ++m_pos;
            out = m_scratch;
            return true;
        }
        if (c < 0x20)
            return fail("invalid JSON: control character in a string (it must be escaped)");
        if (c != '\\') {
            m_scratch += static_cast<char>(c);
            ++m_pos;
            continue;
        }
        if (++m_pos >= m_end)
            break;
        switch (*m_pos++) {
        case '"':
            m_scratch += '"';
            break;
        case '\\':
            m_scratch += '\\';
            break;
        case '/':
            m_scratch += '/';
            break;
        case 'b':
            m_scratch += '\b';
            break;
        case 'f':
            m_scratch += '\f';
            break;
        case 'n':
            m_scratch += '\n';
            break;
        case 'r':
            m_scratch += '\r';
            break;
        case 't':
            m_scratch += '\t';
            break;
        case 'u': {
            auto readHex = [this](uint32_t& value) {
                if (m_end - m_pos < 4)
                    return false;
                value = 0;
                for (int i = 0; i < 4; ++i) {
                    const int digit = hexValue(m_pos[i]);
                    if (digit < 0)
                        return false;
                    value = value * 16 + static_cast<uint32_t>(digit);
                }
                m_pos += 4;
                return true;
            };
            uint32_t unit = 0;
            if (!readHex(unit))
                return fail("invalid JSON: bad \\u escape");
            if (unit >= 0xDC00 && unit <= 0xDFFF)
                return fail("invalid JSON: lone trailing surrogate in a \\u escape");
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                uint32_t low = 0;
                if (m_end - m_pos < 2 || m_pos[0] != '\\' || m_pos[1] != 'u')
                    return fail("invalid JSON: lone leading surrogate in a \\u escape");
                m_pos += 2;
                if (!readHex(low) || low < 0xDC00 || low > 0xDFFF)
                    return fail("invalid JSON: lone leading surrogate in a \\u escape");
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            }
            appendUtf8(m_scratch, unit);
            break;
        }
        default:
            --m_pos;
            return fail("invalid JSON: invalid escape sequence");
        }
    }
    return fail("invalid JSON: unterminated string");
}

bool JsonCursor::skipNumber()
{
    const char* start = m_pos;
    if (m_pos < m_end && *m_pos == '-')
        ++m_pos;
    if (m_pos >= m_end || !isDigit(*m_pos))
        return failAt(static_cast<size_t>(start - m_begin), "invalid JSON: invalid number");
    if (*m_pos == '0') {
        ++m_pos;
        if (m_pos < m_end && isDigit(*m_pos))
            return failAt(static_cast<size_t>(start - m_begin), "invalid JSON: a number with a leading zero");
    } else {
        while (m_pos < m_end && isDigit(*m_pos))
            ++m_pos;
    }
    if (m_pos < m_end && *m_pos == '.') {
        ++m_pos;
        if (m_pos >= m_end || !isDigit(*m_pos))
            return fail("invalid JSON: invalid number");
        while (m_pos < m_end && isDigit(*m_pos))
            ++m_pos;
    }
    if (m_pos < m_end && (*m_pos == 'e' || *m_pos == 'E')) {
        ++m_pos;
        if (m_pos < m_end && (*m_pos == '+' || *m_pos == '-'))
            ++m_pos;
        if (m_pos >= m_end || !isDigit(*m_pos))
            return fail("invalid JSON: invalid number");
        while (m_pos < m_end && isDigit(*m_pos))
            ++m_pos;
    }
    return true;
}

bool JsonCursor::skipLiteral()
{
    for (const char* word : {"true", "false", "null"}) {
        const size_t length = std::strlen(word);
        if (static_cast<size_t>(m_end - m_pos) >= length && std::memcmp(m_pos, word, length) == 0) {
            m_pos += length;
            return true;
        }
    }
    return fail("invalid JSON: unexpected character");
}

bool JsonCursor::skipValue(int depth)
{
    skipSpace();
    if (m_pos >= m_end)
        return fail("invalid JSON: the header ends where a value is expected");
    const char c = *m_pos;
    if (c == '"') {
        std::string_view ignored;
        return parseString(ignored);
    }
    if (c == '-' || isDigit(c))
        return skipNumber();
    if (c != '{' && c != '[')
        return skipLiteral();
    if (depth > kMaxNesting)
        return fail("invalid JSON: nested more than " + std::to_string(kMaxNesting) + " levels deep");
    ++m_pos;
    const char close = c == '{' ? '}' : ']';
    skipSpace();
    if (m_pos < m_end && *m_pos == close) {
        ++m_pos;
        return true;
    }
    while (true) {
        if (c == '{') {
            std::string_view ignored;
            if (!parseString(ignored) || !expect(':', "after an object key"))
                return false;
        }
        if (!skipValue(depth + 1))
            return false;
        skipSpace();
        if (m_pos < m_end && *m_pos == ',') {
            ++m_pos;
            continue;
        }
        return expect(close,
                      c == '{' ? "inside an object (missing ',' or '}')" : "inside an array (missing ',' or ']')");
    }
}

} // namespace safescope
