#include "core/format/headerjsonparser.h"

#include "core/text/textutil.h"

#include <QString>

#include <string_view>

namespace safescope {

namespace {

constexpr uint32_t kEmptySlot = 0xFFFFFFFFu;

// FNV-1a: names are short, and this is the hottest loop of duplicate detection.
size_t hashName(std::string_view name)
{
    uint64_t hash = 1469598103934665603ULL;
    for (char c : name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    // FNV leaves sequential names ("layers.1.w", "layers.2.w") close together in the low bits the table masks
    // with, which made probe chains long on million-tensor headers; the murmur finalizer spreads them.
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 33;
    hash *= 0xC4CEB9FE1A85EC53ULL;
    hash ^= hash >> 33;
    return static_cast<size_t>(hash);
}

/// An upper bound of the tensor count: every tensor object has a "data_offsets" key. Reserving once avoids
/// copying a million TensorInfo records while the vector grows; untouched reserved pages cost no memory.
size_t estimateTensorCount(const char* json, size_t size)
{
    static constexpr std::string_view kKey = "\"data_offsets\"";
    const std::string_view text(json, size);
    size_t count = 0;
    for (size_t at = text.find(kKey); at != std::string_view::npos; at = text.find(kKey, at + kKey.size()))
        ++count;
    return count;
}

} // namespace

HeaderJsonParser::HeaderJsonParser(const char* json, size_t size, Header& header, bool lenient)
    : JsonCursor(json, size), m_header(header), m_arena(std::make_shared<HeaderArena>()), m_lenient(lenient)
{
    m_header.arena = m_arena;
}

bool HeaderJsonParser::failTensor(std::string message)
{
    const std::string_view name = m_header.tensors.back().name;
    m_failureTensor.assign(name);
    return fail("tensor " + quoteForMessage(name) + ": " + message);
}

bool HeaderJsonParser::parseUnsigned(uint64_t& out, const char* field)
{
    skipSpace();
    const char* start = m_pos;
    if (m_pos >= m_end || !isDigit(*m_pos)) {
        if (m_pos < m_end && *m_pos == '-' && !skipNumber())
            return false;
        m_pos = start;
        const std::string found = m_pos < m_end && *m_pos == '-' ? "a negative number" : describeValueAt();
        return failTensor(std::string(field) + " must hold non-negative integers, found " + found);
    }
    uint64_t value = 0;
    bool overflow = false;
    while (m_pos < m_end && isDigit(*m_pos)) {
        const auto digit = static_cast<uint64_t>(*m_pos - '0');
        overflow |= __builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, digit, &value);
        ++m_pos;
    }
    if (m_pos - start > 1 && *start == '0')
        return failAt(static_cast<size_t>(start - m_begin), "invalid JSON: a number with a leading zero");
    if (m_pos < m_end && (*m_pos == '.' || *m_pos == 'e' || *m_pos == 'E')) {
        m_pos = start;
        if (!skipNumber())
            return false;
        return failTensor(std::string(field) + " holds " + quoteForMessage(std::string_view(start, m_pos - start)) +
                          ", which is not an integer");
    }
    if (overflow) {
        m_pos = start;
        return failTensor(std::string(field) + " holds a number above 2^64-1");
    }
    out = value;
    return true;
}

bool HeaderJsonParser::parseUnsignedArray(std::vector<uint64_t>& out, const char* field, size_t exactCount)
{
    skipSpace();
    if (m_pos >= m_end || *m_pos != '[')
        return failTensor(std::string(field) + " must be an array of integers, found " + describeValueAt());
    ++m_pos; // depth 3: top object, tensor object, this array
    skipSpace();
    if (m_pos < m_end && *m_pos == ']') {
        ++m_pos;
    } else {
        while (true) {
            uint64_t value = 0;
            if (!parseUnsigned(value, field))
                return false;
            out.push_back(value);
            skipSpace();
            if (m_pos < m_end && *m_pos == ',') {
                ++m_pos;
                continue;
            }
            if (!expect(']', "inside an array"))
                return false;
            break;
        }
    }
    if (exactCount != 0 && out.size() != exactCount)
        return failTensor(std::string(field) + " has " + std::to_string(out.size()) + " elements; it needs exactly " +
                          std::to_string(exactCount));
    return true;
}

bool HeaderJsonParser::parseMetadata()
{
    skipSpace();
    if (m_pos < m_end && *m_pos == 'n') {
        if (!skipLiteral())
            return false;
        m_header.metadataState = MetadataState::Null; // real MLX files write this: it means no metadata
        return true;
    }
    if (m_pos >= m_end || *m_pos != '{')
        return fail(std::string("__metadata__ is ") + describeValueAt() +
                    "; it must be an object whose values are strings, or null");
    ++m_pos;
    m_header.metadataState = MetadataState::Object;
    skipSpace();
    if (m_pos < m_end && *m_pos == '}') {
        ++m_pos;
        return true;
    }
    while (true) {
        std::string_view keyView;
        if (!parseString(keyView))
            return false;
        std::string key(keyView);
        if (!expect(':', "after a metadata key"))
            return false;
        skipSpace();
        if (m_pos >= m_end || *m_pos != '"') {
            const char* what = describeValueAt();
            if (!skipValue(3))
                return false;
            return fail("metadata key " + quoteForMessage(key) + " has " + what +
                        " as its value; metadata values must be strings");
        }
        std::string_view value;
        if (!parseString(value))
            return false;
        // A repeated key inside __metadata__: the last value wins (serde's HashMap), keeping the first position.
        const auto [it, inserted] = m_metadataIndex.try_emplace(key, m_header.metadata.size());
        if (inserted)
            m_header.metadata.push_back(MetadataEntry{std::move(key), std::string(value)});
        else
            m_header.metadata[it->second].value.assign(value);
        skipSpace();
        if (m_pos < m_end && *m_pos == ',') {
            ++m_pos;
            continue;
        }
        return expect('}', "inside __metadata__ (missing ',' or '}')");
    }
}

bool HeaderJsonParser::parseTensor(std::string_view name)
{
    m_header.tensors.emplace_back();
    TensorInfo& tensor = m_header.tensors.back();
    tensor.name = m_arena->store(name);
    if (!registerName())
        return false;
    skipSpace();
    if (m_pos >= m_end || *m_pos != '{')
        return failTensor(std::string("expected an object with dtype, shape and data_offsets, found ") +
                          describeValueAt());
    ++m_pos;
    enum : unsigned
    {
        kDType = 1,
        kShape = 2,
        kOffsets = 4
    };
    unsigned seen = 0;
    skipSpace();
    if (m_pos < m_end && *m_pos == '}') {
        ++m_pos;
        return failTensor("missing field `dtype`");
    }
    while (true) {
        std::string_view field;
        if (!parseString(field))
            return false;
        unsigned bit = 0;
        if (field == "dtype")
            bit = kDType;
        else if (field == "shape")
            bit = kShape;
        else if (field == "data_offsets")
            bit = kOffsets;
        if (bit != 0 && (seen & bit))
            return failTensor("duplicate field `" + std::string(field) + "`");
        seen |= bit;
        if (!expect(':', "after a field name"))
            return false;
        if (bit == kDType) {
            std::string_view dtypeText;
            skipSpace();
            if (m_pos >= m_end || *m_pos != '"')
                return failTensor(std::string("dtype must be a string, found ") + describeValueAt());
            if (!parseString(dtypeText))
                return false;
            if (const auto dtype = dtypeFromName(dtypeText)) {
                tensor.dtype = *dtype;
            } else if (!m_lenient) {
                return failTensor("unknown dtype " + quoteForMessage(dtypeText));
            } else {
                tensor.dtype = DType::Unknown;
                // Rare (lenient opens only): the name is stored a second time, with the dtype text right after it.
                const size_t nameSize = tensor.name.size();
                tensor.name = m_arena->storeJoined(tensor.name, dtypeText).substr(0, nameSize);
                tensor.unknownDTypeSize = static_cast<uint32_t>(dtypeText.size());
                const QString qname = toQString(tensor.name);
                m_header.warnings.push_back(Warning{
                    QStringLiteral("UnknownDType"),
                    QStringLiteral("Tensor '%1' has the unknown dtype '%2': shown as raw bytes, and its size cannot "
                                   "be checked.")
                        .arg(qname, toQString(tensor.unknownDType())),
                    qname, QString(), static_cast<uint64_t>(8 + (m_pos - m_begin))});
            }
        } else if (bit == kShape) {
            m_dims.clear();
            if (!parseUnsignedArray(m_dims, "shape", 0))
                return false;
            tensor.shape = m_arena->storeShape(m_dims);
        } else if (bit == kOffsets) {
            std::vector<uint64_t> offsets;
            offsets.reserve(2);
            if (!parseUnsignedArray(offsets, "data_offsets", 2))
                return false;
            tensor.begin = offsets[0];
            tensor.end = offsets[1];
        } else if (!skipValue(3)) { // extra fields are ignored, like the reference
            return false;
        }
        skipSpace();
        if (m_pos < m_end && *m_pos == ',') {
            ++m_pos;
            continue;
        }
        if (!expect('}', "inside a tensor entry (missing ',' or '}')"))
            return false;
        break;
    }
    static constexpr const char* kNames[] = {"dtype", "shape", "data_offsets"};
    for (unsigned i = 0; i < 3; ++i) {
        if (!(seen & (1u << i)))
            return failTensor(std::string("missing field `") + kNames[i] + "`");
    }
    return true;
}

bool HeaderJsonParser::registerName()
{
    const auto index = static_cast<uint32_t>(m_header.tensors.size() - 1);
    const std::string_view name = m_header.tensors[index].name;
    m_nameHashes.push_back(hashName(name));
    if ((m_nameHashes.size()) * 2 > m_nameSlots.size()) {
        std::vector<uint32_t> table(std::max<size_t>(64, m_nameSlots.size() * 2), kEmptySlot);
        const size_t mask = table.size() - 1;
        for (uint32_t i = 0; i < index; ++i) {
            size_t slot = m_nameHashes[i] & mask;
            while (table[slot] != kEmptySlot)
                slot = (slot + 1) & mask;
            table[slot] = i;
        }
        m_nameSlots.swap(table);
    }
    const size_t mask = m_nameSlots.size() - 1;
    for (size_t slot = m_nameHashes[index] & mask;; slot = (slot + 1) & mask) {
        const uint32_t other = m_nameSlots[slot];
        if (other == kEmptySlot) {
            m_nameSlots[slot] = index;
            return true;
        }
        if (m_nameHashes[other] == m_nameHashes[index] && m_header.tensors[other].name == name)
            break;
    }
    // In lenient mode the duplicate stays out of the set, so a third copy is reported too.
    if (!m_lenient) {
        m_failureTensor.assign(name);
        return fail("duplicate tensor name " + quoteForMessage(name) +
                    " (the reference loader would silently keep only the last one)");
    }
    const QString qname = toQString(name);
    m_header.warnings.push_back(Warning{
        QStringLiteral("DuplicateTensor"),
        QStringLiteral("Tensor name '%1' appears more than once; the reference loader keeps only the last entry.")
            .arg(qname),
        qname, QString(), static_cast<uint64_t>(8 + (m_pos - m_begin))});
    return true;
}

bool HeaderJsonParser::parse()
{
    m_header.tensors.reserve(estimateTensorCount(m_begin, static_cast<size_t>(m_end - m_begin)));
    skipSpace();
    if (m_pos >= m_end || *m_pos != '{') {
        if (m_pos < m_end && (*m_pos == '[' || *m_pos == '"' || *m_pos == '-' || isDigit(*m_pos) || *m_pos == 't' ||
                              *m_pos == 'f' || *m_pos == 'n'))
            return fail(std::string("the header is ") + describeValueAt() + ", not a JSON object");
        return fail(m_pos >= m_end ? "invalid JSON: the header is empty" : "invalid JSON: expected '{'");
    }
    ++m_pos;
    bool seenMetadata = false;
    skipSpace();
    if (m_pos < m_end && *m_pos == '}') {
        ++m_pos;
    } else {
        while (true) {
            std::string_view key;
            const char* keyStart = m_pos;
            if (!parseString(key))
                return false;
            if (key == "__metadata__") {
                if (seenMetadata)
                    return failAt(static_cast<size_t>(keyStart - m_begin), "duplicate __metadata__ key");
                seenMetadata = true;
                if (!expect(':', "after a key") || !parseMetadata())
                    return false;
            } else {
                // The key view may point into m_scratch: parseTensor copies it before parsing anything else.
                if (!expect(':', "after a key"))
                    return false;
                if (!parseTensor(key))
                    return false;
            }
            skipSpace();
            if (m_pos < m_end && *m_pos == ',') {
                ++m_pos;
                continue;
            }
            if (!expect('}', "inside the top-level object (missing ',' or '}')"))
                return false;
            break;
        }
    }
    skipSpace();
    if (m_pos != m_end)
        return fail("invalid JSON: trailing characters after the top-level object");
    return true;
}

} // namespace safescope
