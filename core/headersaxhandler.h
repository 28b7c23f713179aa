#pragma once

#include "core/header.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace safescope {

/// nlohmann_json SAX consumer that checks the JSON rules of SPEC.md section 2 step 5 while it streams,
/// building tensor entries and metadata directly: no DOM is ever built.
/// Returning false from a callback stops the parse; the reason is then in failure().
class HeaderSaxHandler final
{
public:
    using json = nlohmann::json;

    HeaderSaxHandler(Header& header, bool lenient);

    bool null();
    bool boolean(bool value);
    bool number_integer(json::number_integer_t value);
    bool number_unsigned(json::number_unsigned_t value);
    bool number_float(json::number_float_t value, const std::string& text);
    bool string(std::string& value);
    bool binary(json::binary_t& value);
    bool start_object(std::size_t elements);
    bool key(std::string& value);
    bool end_object();
    bool start_array(std::size_t elements);
    bool end_array();
    bool parse_error(std::size_t position, const std::string& lastToken, const nlohmann::detail::exception& ex);

    /// Why the parse stopped: a message, the tensor concerned (may be empty) and a JSON byte position if known.
    const std::string& failureMessage() const { return m_failure; }
    const std::string& failureTensor() const { return m_failureTensor; }
    std::optional<size_t> failurePosition() const { return m_failurePosition; }

private:
    enum class State : uint8_t {
        Root,          // before the top-level value
        TopLevel,      // inside the top-level object, expecting a key
        MetadataValue, // after the "__metadata__" key
        Metadata,      // inside __metadata__, expecting a key or the end
        MetadataEntry, // after a metadata key: the value must be a string
        TensorValue,   // after a tensor name: the value must be an object
        Tensor,        // inside a tensor object, expecting a field name
        DTypeValue,
        ShapeValue,
        Shape,
        OffsetsValue,
        Offsets,
        Skip,          // inside an ignored value
        Done
    };
    enum Field : uint8_t { kDType = 1, kShape = 2, kOffsets = 4 };

    bool fail(std::string message);
    bool failTensor(std::string message);
    bool enter();
    bool scalar(const char* what);
    bool typeMismatch(const char* what);
    void skipValue();
    bool finishTensor();
    bool addMetadata(std::string& value);
    bool registerName();

    struct NameHash
    {
        const std::vector<TensorInfo>* tensors;
        size_t operator()(uint32_t index) const { return std::hash<std::string>{}((*tensors)[index].name); }
    };
    struct NameEqual
    {
        const std::vector<TensorInfo>* tensors;
        bool operator()(uint32_t a, uint32_t b) const { return (*tensors)[a].name == (*tensors)[b].name; }
    };

    Header& m_header;
    bool m_lenient;
    State m_state = State::Root;
    int m_depth = 0;
    int m_skipDepth = 0;
    State m_afterSkip = State::Tensor;
    uint8_t m_seenFields = 0;
    bool m_seenMetadata = false;
    std::string m_metadataKey;
    std::unordered_map<std::string, size_t> m_metadataIndex;
    std::unordered_set<uint32_t, NameHash, NameEqual> m_names;
    std::string m_failure;
    std::string m_failureTensor;
    std::optional<size_t> m_failurePosition;
};

} // namespace safescope
