#pragma once

#include <string>
#include <string_view>

namespace safescope {

/// Writes `text` as a JSON string with serde_json's escaping, so the headers we write are byte-identical to the
/// reference writer's: quote and backslash escaped, control characters (U+0000-U+001F) as the short escapes
/// \b \f \n \r \t or \u00xx with lowercase hex, everything else (including '/', DEL and non-ASCII UTF-8) raw.
/// `text` must already be valid UTF-8 (SPEC.md 2.4): bytes are copied as they are, never repaired, so the writers
/// check names and metadata with findInvalidUtf8() first and refuse invalid ones with a message naming them.
/// A template over the sink because the writer measures a header (a counting sink) before it builds it.
template <typename Sink> void writeJsonString(Sink& sink, std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    sink.put('"');
    size_t runStart = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sink.append(text.substr(runStart, i - runStart));
        runStart = i + 1;
        sink.put('\\');
        switch (c) {
        case '"':
            sink.put('"');
            break;
        case '\\':
            sink.put('\\');
            break;
        case '\b':
            sink.put('b');
            break;
        case '\f':
            sink.put('f');
            break;
        case '\n':
            sink.put('n');
            break;
        case '\r':
            sink.put('r');
            break;
        case '\t':
            sink.put('t');
            break;
        default:
            sink.append("u00");
            sink.put(kHex[c >> 4]);
            sink.put(kHex[c & 0xF]);
            break;
        }
    }
    sink.append(text.substr(runStart));
    sink.put('"');
}

/// writeJsonString() appending to a std::string.
void appendJsonString(std::string& out, std::string_view text);

} // namespace safescope
