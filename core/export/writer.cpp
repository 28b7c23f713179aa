#include "core/export/writer.h"

#include "core/format/headerparser.h"
#include "core/format/utf8.h"
#include "core/text/jsonstring.h"
#include "core/text/textutil.h"

#include <QSaveFile>
#include <QtEndian>

#include <algorithm>
#include <charconv>
#include <limits>
#include <string_view>

namespace safescope {

namespace {

// Large enough that per-call overhead vanishes, small enough that progress and cancellation stay responsive.
constexpr uint64_t kCopyBlock = uint64_t{8} << 20;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr std::string_view kMetadataKey = "__metadata__";

// Two sinks for one serializer: the first pass only counts, so an oversized header fails before any allocation
// and the second pass reserves the exact size.
struct LengthSink
{
    uint64_t size = 0;
    void append(std::string_view text) { size += text.size(); }
    void put(char) { ++size; }
};

struct StringSink
{
    std::string& text;
    void append(std::string_view piece) { text.append(piece); }
    void put(char c) { text.push_back(c); }
};

template <typename Sink> void writeNumber(Sink& sink, uint64_t value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    sink.append(std::string_view(buffer, static_cast<size_t>(result.ptr - buffer)));
}

// Serializes the unpadded JSON object; `ends` holds each tensor's exclusive end offset in file order.
template <typename Sink>
void writeJson(Sink& sink, const std::vector<WriteTensor>& tensors, const std::vector<uint64_t>& ends,
               const WriteOptions& options)
{
    sink.put('{');
    bool first = true;
    if (options.metadataState == MetadataState::Object) {
        writeJsonString(sink, kMetadataKey);
        sink.append(":{");
        for (size_t i = 0; i < options.metadata.size(); ++i) {
            if (i > 0)
                sink.put(',');
            writeJsonString(sink, options.metadata[i].key);
            sink.put(':');
            writeJsonString(sink, options.metadata[i].value);
        }
        sink.put('}');
        first = false;
    }
    uint64_t begin = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
        if (!first)
            sink.put(',');
        first = false;
        const WriteTensor& tensor = tensors[i];
        writeJsonString(sink, tensor.name);
        sink.append(":{\"dtype\":\"");
        sink.append(dtypeName(tensor.dtype));
        sink.append("\",\"shape\":[");
        for (size_t d = 0; d < tensor.shape.size(); ++d) {
            if (d > 0)
                sink.put(',');
            writeNumber(sink, tensor.shape[d]);
        }
        sink.append("],\"data_offsets\":[");
        writeNumber(sink, begin);
        sink.put(',');
        writeNumber(sink, ends[i]);
        sink.append("]}");
        begin = ends[i];
    }
    sink.put('}');
}

QString quotedName(const std::string& name)
{
    return QString::fromStdString(quoteForMessage(name));
}

Error invalidTensor(const WriteTensor& tensor, const QString& what)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("tensor ") + quotedName(tensor.name) + u' ' + what, {},
                     QString::fromUtf8(tensor.name.data(), static_cast<qsizetype>(tensor.name.size())));
}

bool validUtf8(const std::string& text)
{
    return !findInvalidUtf8(reinterpret_cast<const unsigned char*>(text.data()), text.size()).has_value();
}

// Byte size of one tensor, with the reader's overflow rules (SPEC.md section 2, rule 6): the element product does
// not short-circuit on a zero dimension, so the writer never produces a file the reader would refuse.
Result<uint64_t> tensorByteSize(const WriteTensor& tensor)
{
    uint64_t elements = 1;
    for (const uint64_t dim : tensor.shape) {
        if (elements != 0 && dim > kMax / elements)
            return invalidTensor(tensor, QStringLiteral("has a shape whose element count overflows 64 bits"));
        elements *= dim;
    }
    const auto bitsPerElement = static_cast<uint64_t>(dtypeBits(tensor.dtype));
    if (elements > kMax / bitsPerElement)
        return invalidTensor(tensor, QStringLiteral("has a bit count that overflows 64 bits"));
    const uint64_t bits = elements * bitsPerElement;
    if (bits % 8 != 0) {
        return invalidTensor(tensor, QStringLiteral("has %1 %2 elements, which do not fill whole bytes")
                                         .arg(elements)
                                         .arg(QLatin1StringView(dtypeName(tensor.dtype))));
    }
    return bits / 8;
}

Status validateInputs(const std::vector<WriteTensor>& tensors, const WriteOptions& options)
{
    if (options.metadataState != MetadataState::Object && !options.metadata.empty()) {
        // Silently dropping entries would lose the user's metadata (transformers needs "format").
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("metadata entries were given but the metadata state is not Object"));
    }
    std::vector<std::string_view> keys;
    keys.reserve(options.metadata.size());
    for (const MetadataEntry& entry : options.metadata) {
        if (!validUtf8(entry.key) || !validUtf8(entry.value)) {
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("metadata entry %1 is not valid UTF-8").arg(quotedName(entry.key)));
        }
        keys.push_back(entry.key);
    }
    std::sort(keys.begin(), keys.end());
    if (const auto dup = std::adjacent_find(keys.begin(), keys.end()); dup != keys.end()) {
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("metadata key %1 appears more than once").arg(quotedName(std::string(*dup))));
    }

    std::vector<std::string_view> names;
    names.reserve(tensors.size());
    for (const WriteTensor& tensor : tensors) {
        if (static_cast<int>(tensor.dtype) >= kDTypeCount)
            return invalidTensor(tensor, QStringLiteral("has no known dtype"));
        if (tensor.name == kMetadataKey)
            return invalidTensor(tensor, QStringLiteral("uses the reserved name __metadata__"));
        if (!validUtf8(tensor.name))
            return invalidTensor(tensor, QStringLiteral("has a name that is not valid UTF-8"));
        names.push_back(tensor.name);
    }
    std::sort(names.begin(), names.end());
    if (const auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end()) {
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("tensor name %1 appears more than once").arg(quotedName(std::string(*dup))), {},
                         QString::fromUtf8(dup->data(), static_cast<qsizetype>(dup->size())));
    }
    return Ok{};
}

uint64_t roundUp8(uint64_t value)
{
    return (value + 7) / 8 * 8;
}

// buildHeader plus the byte size of every tensor in file order, which the file writer needs for copying.
Result<std::string> buildHeaderImpl(std::vector<WriteTensor>& tensors, const WriteOptions& options,
                                    std::vector<uint64_t>& byteSizes)
{
    if (Status valid = validateInputs(tensors, options); !valid)
        return valid.error();

    std::sort(tensors.begin(), tensors.end(), [](const WriteTensor& a, const WriteTensor& b) {
        if (a.dtype != b.dtype)
            return a.dtype > b.dtype;
        return a.name < b.name; // char_traits<char> compares as unsigned char: byte-wise, like the reference
    });

    byteSizes.clear();
    byteSizes.reserve(tensors.size());
    std::vector<uint64_t> ends;
    ends.reserve(tensors.size());
    uint64_t cursor = 0;
    for (const WriteTensor& tensor : tensors) {
        Result<uint64_t> size = tensorByteSize(tensor);
        if (!size)
            return size.error();
        if (*size > kMax - cursor)
            return invalidTensor(tensor, QStringLiteral("ends past 2^64 bytes of data"));
        cursor += *size;
        byteSizes.push_back(*size);
        ends.push_back(cursor);
    }

    if (options.reserveBytes > kMaxHeaderLength) {
        return makeError(ErrorKind::HeaderTooLarge,
                         QStringLiteral("the requested header reserve of %1 bytes exceeds the limit of %2 bytes")
                             .arg(QString::fromStdString(groupDigits(options.reserveBytes)),
                                  QString::fromStdString(groupDigits(kMaxHeaderLength))));
    }
    LengthSink counter;
    writeJson(counter, tensors, ends, options);
    const uint64_t headerLength = roundUp8(counter.size) + roundUp8(options.reserveBytes);
    if (headerLength > kMaxHeaderLength) {
        return makeError(ErrorKind::HeaderTooLarge,
                         QStringLiteral("the header would be %1 bytes, more than the limit of %2 bytes")
                             .arg(QString::fromStdString(groupDigits(headerLength)),
                                  QString::fromStdString(groupDigits(kMaxHeaderLength))));
    }
    if (cursor > kMax - 8 - headerLength)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("the file would be larger than 2^64 bytes"));

    std::string text;
    text.reserve(static_cast<size_t>(headerLength));
    StringSink sink{text};
    writeJson(sink, tensors, ends, options);
    text.resize(static_cast<size_t>(headerLength), ' ');
    return text;
}

Error ioError(const QString& path, const QString& action, const QString& reason)
{
    return makeError(ErrorKind::IoError, QStringLiteral("cannot %1 '%2': %3").arg(action, path, reason), path);
}

} // namespace

Result<std::string> buildHeader(std::vector<WriteTensor>& tensors, const WriteOptions& options)
{
    std::vector<uint64_t> byteSizes;
    return buildHeaderImpl(tensors, options, byteSizes);
}

Status writeSafetensors(const QString& path, std::vector<WriteTensor> tensors, const WriteOptions& options)
{
    std::vector<uint64_t> byteSizes;
    Result<std::string> header = buildHeaderImpl(tensors, options, byteSizes);
    if (!header) {
        Error error = header.error();
        error.path = path;
        return error;
    }
    uint64_t total = 8 + header->size();
    for (size_t i = 0; i < tensors.size(); ++i) {
        if (byteSizes[i] > 0 && tensors[i].data == nullptr) {
            Error error = invalidTensor(tensors[i], QStringLiteral("has %1 bytes but no data").arg(byteSizes[i]));
            error.path = path;
            return error;
        }
        total += byteSizes[i];
    }

    // QSaveFile writes a temp file beside the target and renames it on commit: a reader still mapping the old file
    // keeps its bytes (the reference lost data by truncating a mapped file), and a failed write leaves the old file.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return ioError(path, QStringLiteral("create"), file.errorString());

    uint64_t done = 0;
    uint64_t lastReported = 0;
    bool wasCancelled = false;
    // Reports at most once per copy block (plus start and end), so many tiny tensors do not flood the caller.
    const auto keepGoing = [&](bool force) {
        if (!options.progress || (!force && done - lastReported < kCopyBlock))
            return true;
        lastReported = done;
        if (options.progress(done, total))
            return true;
        wasCancelled = true;
        file.cancelWriting(); // no commit: the destructor removes the temp file
        return false;
    };
    const auto writeAll = [&](const char* data, uint64_t size) {
        while (size > 0) {
            const uint64_t chunk = std::min(size, kCopyBlock);
            if (file.write(data, static_cast<qint64>(chunk)) != static_cast<qint64>(chunk))
                return false;
            data += chunk;
            size -= chunk;
            done += chunk;
            if (!keepGoing(false))
                return false;
        }
        return true;
    };
    const auto failure = [&]() -> Status {
        if (wasCancelled)
            return makeError(ErrorKind::Cancelled, QStringLiteral("writing '%1' was cancelled").arg(path), path);
        return ioError(path, QStringLiteral("write"), file.errorString());
    };

    if (!keepGoing(true))
        return failure();
    char lengthField[8];
    qToLittleEndian<quint64>(header->size(), lengthField);
    if (!writeAll(lengthField, sizeof(lengthField)) || !writeAll(header->data(), header->size()))
        return failure();
    for (size_t i = 0; i < tensors.size(); ++i) {
        if (!writeAll(reinterpret_cast<const char*>(tensors[i].data), byteSizes[i]))
            return failure();
    }
    if (!keepGoing(true))
        return failure();
    if (!file.commit())
        return ioError(path, QStringLiteral("save"), file.errorString());
    return Ok{};
}

} // namespace safescope
