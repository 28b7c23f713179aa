#pragma once

#include "core/format/header.h"
#include "core/format/jsoncursor.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace safescope {

/// A strict RFC 8259 parser specialised for safetensors headers (SPEC.md section 2, rule 5). It validates the
/// JSON grammar exactly like serde_json (whitespace set, no comments or trailing commas, integer rules, escaped
/// surrogates, nesting limit) while building tensor entries and metadata directly from the bytes: no DOM, and key
/// strings without escapes are never copied twice. Input must already be valid UTF-8 and free of NUL bytes.
class HeaderJsonParser final : private JsonCursor
{
public:
    HeaderJsonParser(const char* json, size_t size, Header& header, bool lenient);

    /// Parses everything; on failure the reason is in failureMessage() / failureTensor() / failurePosition().
    bool parse();

    using JsonCursor::failureMessage;
    using JsonCursor::failurePosition;
    const std::string& failureTensor() const { return m_failureTensor; }

private:
    bool failTensor(std::string message);
    bool parseUnsigned(uint64_t& out, const char* field);
    bool parseUnsignedArray(std::vector<uint64_t>& out, const char* field, size_t exactCount);
    bool parseMetadata();
    bool parseTensor(std::string_view name);
    bool registerName();

    Header& m_header;
    std::shared_ptr<HeaderArena> m_arena; ///< the header's; the parser is the only writer
    bool m_lenient;
    std::vector<uint64_t> m_dims; ///< the shape being parsed, before the arena stores it
    std::unordered_map<std::string, size_t> m_metadataIndex;
    // Open-addressing set of tensor indices keyed by name: one flat array instead of a node per tensor.
    std::vector<uint32_t> m_nameSlots;
    std::vector<size_t> m_nameHashes;
    std::string m_failureTensor;
};

} // namespace safescope
