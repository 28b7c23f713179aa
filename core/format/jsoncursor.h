#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// The lexical half of the header parser: a position in JSON text and the strict RFC 8259 rules serde_json applies
/// to its tokens (whitespace set, string escapes and surrogates, integer grammar, literals, nesting limit). It
/// records the first failure with its byte position; HeaderJsonParser adds what the values mean.
class JsonCursor
{
public:
    JsonCursor(const char* json, size_t size);

    const std::string& failureMessage() const { return m_failure; }
    size_t failurePosition() const { return m_failurePosition; }

protected:
    // serde_json (the reference's parser) refuses the 128th nested container, whatever it is part of.
    static constexpr int kMaxNesting = 127;

    static bool isDigit(char c) { return c >= '0' && c <= '9'; }

    bool fail(std::string message);
    bool failAt(size_t position, std::string message);
    void skipSpace();
    bool expect(char c, const char* context);
    /// A string token; `out` views the input when there are no escapes, else the decoded scratch text.
    bool parseString(std::string_view& out);
    bool skipValue(int depth);
    bool skipLiteral();
    bool skipNumber();
    /// What the next token is, in words, for messages ("a string", "an array").
    const char* describeValueAt() const;

    const char* m_begin;
    const char* m_end;
    const char* m_pos;

private:
    bool parseEscapedString(size_t start, std::string_view& out);

    std::string m_scratch; ///< decoded text of the last escaped string
    std::string m_failure;
    size_t m_failurePosition = 0;
};

} // namespace safescope
