#include "core/headersaxhandler.h"

#include "core/textutil.h"

namespace safescope {

namespace {
// serde_json (the reference's parser) refuses the 128th nested container, whatever it is part of.
constexpr int kMaxNesting = 127;
} // namespace

HeaderSaxHandler::HeaderSaxHandler(Header& header, bool lenient)
    : m_header(header), m_lenient(lenient), m_names(64, NameHash{&header.tensors}, NameEqual{&header.tensors})
{
}

bool HeaderSaxHandler::fail(std::string message)
{
    m_failure = std::move(message);
    return false;
}

bool HeaderSaxHandler::failTensor(std::string message)
{
    const std::string& name = m_header.tensors.back().name;
    m_failureTensor = name;
    return fail("tensor " + quoteForMessage(name) + ": " + message);
}

bool HeaderSaxHandler::enter()
{
    if (++m_depth > kMaxNesting)
        return fail("JSON is nested more than " + std::to_string(kMaxNesting) + " levels deep");
    return true;
}

bool HeaderSaxHandler::typeMismatch(const char* what)
{
    using namespace std::string_literals;
    switch (m_state) {
    case State::Root:
        return fail("the header is "s + what + ", not a JSON object");
    case State::MetadataValue:
        return fail("__metadata__ is "s + what + "; it must be an object whose values are strings, or null");
    case State::MetadataEntry:
        return fail("metadata key " + quoteForMessage(m_metadataKey) + " has " + what +
                    " as its value; metadata values must be strings");
    case State::TensorValue:
        return failTensor("expected an object with dtype, shape and data_offsets, found "s + what);
    case State::DTypeValue:
        return failTensor("dtype must be a string, found "s + what);
    case State::ShapeValue:
    case State::Shape:
        return failTensor("shape must be an array of non-negative integers, found "s + what);
    case State::OffsetsValue:
    case State::Offsets:
        return failTensor("data_offsets must be an array of two non-negative integers, found "s + what);
    default:
        return fail("unexpected "s + what);
    }
}

bool HeaderSaxHandler::scalar(const char* what)
{
    if (m_state != State::Skip)
        return typeMismatch(what);
    if (m_skipDepth == 0)
        m_state = m_afterSkip;
    return true;
}

bool HeaderSaxHandler::null()
{
    if (m_state == State::MetadataValue) {
        m_header.metadataState = MetadataState::Null;
        m_state = State::TopLevel;
        return true;
    }
    return scalar("null");
}

bool HeaderSaxHandler::boolean(bool value) { return scalar(value ? "true" : "false"); }

bool HeaderSaxHandler::number_unsigned(json::number_unsigned_t value)
{
    if (m_state == State::Shape) {
        m_header.tensors.back().shape.push_back(value);
        return true;
    }
    if (m_state == State::Offsets) {
        TensorInfo& tensor = m_header.tensors.back();
        switch (m_skipDepth++) { // m_skipDepth doubles as the element counter here
        case 0:
            tensor.begin = value;
            return true;
        case 1:
            tensor.end = value;
            return true;
        default:
            return failTensor("data_offsets has more than two elements");
        }
    }
    return scalar("a number");
}

bool HeaderSaxHandler::number_integer(json::number_integer_t value)
{
    // nlohmann reports non-negative integers through number_unsigned: this one had a minus sign ("-0" too).
    if (m_state == State::Shape || m_state == State::Offsets)
        return failTensor((m_state == State::Shape ? "shape" : "data_offsets") + std::string(" holds ") +
                          (value == 0 ? std::string("-0") : std::to_string(value)) +
                          "; only non-negative integers are allowed");
    return scalar("a number");
}

bool HeaderSaxHandler::number_float(json::number_float_t, const std::string& text)
{
    if (m_state == State::Shape || m_state == State::Offsets)
        return failTensor((m_state == State::Shape ? "shape" : "data_offsets") + std::string(" holds ") +
                          quoteForMessage(text) + ", which is not an integer in 0..2^64-1");
    return scalar("a number");
}

bool HeaderSaxHandler::string(std::string& value)
{
    switch (m_state) {
    case State::MetadataEntry:
        return addMetadata(value);
    case State::DTypeValue: {
        TensorInfo& tensor = m_header.tensors.back();
        m_state = State::Tensor;
        if (const auto dtype = dtypeFromName(value)) {
            tensor.dtype = *dtype;
            return true;
        }
        if (!m_lenient)
            return failTensor("unknown dtype " + quoteForMessage(value));
        tensor.dtype = DType::Unknown;
        tensor.unknownDType = value;
        m_header.warnings.push_back(Warning{
            QStringLiteral("UnknownDType"),
            QStringLiteral("Tensor '%1' has the unknown dtype '%2': shown as raw bytes, and its size cannot be checked.")
                .arg(QString::fromStdString(tensor.name), QString::fromStdString(value)),
            QString::fromStdString(tensor.name), QString(), std::nullopt});
        return true;
    }
    default:
        return scalar("a string");
    }
}

bool HeaderSaxHandler::binary(json::binary_t&) { return fail("binary values are not JSON"); }

bool HeaderSaxHandler::start_object(std::size_t)
{
    if (!enter())
        return false;
    switch (m_state) {
    case State::Root:
        m_state = State::TopLevel;
        return true;
    case State::MetadataValue:
        m_header.metadataState = MetadataState::Object;
        m_state = State::Metadata;
        return true;
    case State::TensorValue:
        m_seenFields = 0;
        m_state = State::Tensor;
        return true;
    case State::Skip:
        ++m_skipDepth;
        return true;
    default:
        return typeMismatch("an object");
    }
}

bool HeaderSaxHandler::start_array(std::size_t)
{
    if (!enter())
        return false;
    switch (m_state) {
    case State::ShapeValue:
        m_state = State::Shape;
        return true;
    case State::OffsetsValue:
        m_skipDepth = 0;
        m_state = State::Offsets;
        return true;
    case State::Skip:
        ++m_skipDepth;
        return true;
    case State::Shape:
    case State::Offsets:
        return typeMismatch("a nested array");
    default:
        return typeMismatch("an array");
    }
}

bool HeaderSaxHandler::end_array()
{
    --m_depth;
    switch (m_state) {
    case State::Shape:
        m_state = State::Tensor;
        return true;
    case State::Offsets:
        if (m_skipDepth != 2)
            return failTensor("data_offsets has " + std::to_string(m_skipDepth) + " elements; it needs exactly two");
        m_skipDepth = 0;
        m_state = State::Tensor;
        return true;
    case State::Skip:
        if (--m_skipDepth == 0)
            m_state = m_afterSkip;
        return true;
    default:
        return fail("unexpected end of array");
    }
}

bool HeaderSaxHandler::key(std::string& value)
{
    switch (m_state) {
    case State::TopLevel:
        if (value == "__metadata__") {
            if (m_seenMetadata)
                return fail("duplicate __metadata__ key");
            m_seenMetadata = true;
            m_state = State::MetadataValue;
            return true;
        }
        m_header.tensors.push_back(TensorInfo{});
        m_header.tensors.back().name = std::move(value);
        m_state = State::TensorValue;
        return registerName();
    case State::Metadata:
        m_metadataKey = std::move(value);
        m_state = State::MetadataEntry;
        return true;
    case State::Tensor: {
        Field field;
        State next;
        if (value == "dtype") {
            field = kDType;
            next = State::DTypeValue;
        } else if (value == "shape") {
            field = kShape;
            next = State::ShapeValue;
        } else if (value == "data_offsets") {
            field = kOffsets;
            next = State::OffsetsValue;
        } else { // extra fields are ignored, like the reference
            m_skipDepth = 0;
            m_afterSkip = State::Tensor;
            m_state = State::Skip;
            return true;
        }
        if (m_seenFields & field)
            return failTensor("duplicate field `" + value + "`");
        m_seenFields |= field;
        m_state = next;
        return true;
    }
    case State::Skip:
        return true;
    default:
        return fail("unexpected key");
    }
}

bool HeaderSaxHandler::end_object()
{
    --m_depth;
    switch (m_state) {
    case State::TopLevel:
        m_state = State::Done;
        return true;
    case State::Metadata:
        m_state = State::TopLevel;
        return true;
    case State::Tensor:
        return finishTensor();
    case State::Skip:
        if (--m_skipDepth == 0)
            m_state = m_afterSkip;
        return true;
    default:
        return fail("unexpected end of object");
    }
}

bool HeaderSaxHandler::finishTensor()
{
    static constexpr const char* kNames[] = {"dtype", "shape", "data_offsets"};
    for (int bit = 0; bit < 3; ++bit) {
        if (!(m_seenFields & (1 << bit)))
            return failTensor(std::string("missing field `") + kNames[bit] + "`");
    }
    m_state = State::TopLevel;
    return true;
}

bool HeaderSaxHandler::addMetadata(std::string& value)
{
    m_state = State::Metadata;
    // A repeated key inside __metadata__: the last value wins (serde's HashMap), keeping the first position.
    const auto [it, inserted] = m_metadataIndex.try_emplace(m_metadataKey, m_header.metadata.size());
    if (inserted)
        m_header.metadata.push_back(MetadataEntry{std::move(m_metadataKey), std::move(value)});
    else
        m_header.metadata[it->second].value = std::move(value);
    return true;
}

bool HeaderSaxHandler::registerName()
{
    const auto index = static_cast<uint32_t>(m_header.tensors.size() - 1);
    if (m_names.insert(index).second)
        return true;
    const std::string& name = m_header.tensors.back().name;
    if (!m_lenient) {
        m_failureTensor = name;
        return fail("duplicate tensor name " + quoteForMessage(name) +
                    " (the reference loader would silently keep only the last one)");
    }
    const QString qname = QString::fromStdString(name);
    m_header.warnings.push_back(Warning{
        QStringLiteral("DuplicateTensor"),
        QStringLiteral("Tensor name '%1' appears more than once; the reference loader keeps only the last entry.")
            .arg(qname),
        qname, QString(), std::nullopt});
    return true;
}

bool HeaderSaxHandler::parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex)
{
    std::string what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: users need the sentence, not the code.
    if (const auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
        what.erase(0, close + 2);
    m_failurePosition = position > 0 ? position - 1 : 0;
    return fail("invalid JSON: " + what);
}

} // namespace safescope
