#include "core/format/headerparser.h"

#include "core/format/headerjsonparser.h"
#include "core/format/offsetvalidator.h"
#include "core/text/textutil.h"
#include "core/format/utf8.h"
#include "core/export/writerlayout.h"

#include <QtEndian>

#include <cstring>

namespace safescope {

namespace {

bool isJsonSpace(unsigned char c) { return c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D; }

QString fromStd(const std::string& text) { return QString::fromStdString(text); }

} // namespace

Result<Header> parseHeader(const unsigned char* file, uint64_t available, uint64_t fileSize, OpenMode mode,
                           const QString& path)
{
    if (fileSize < 8)
        return makeError(ErrorKind::HeaderTooSmall,
                         QStringLiteral("the file is %1 bytes long; a safetensors file starts with an 8-byte header "
                                        "length")
                             .arg(fileSize),
                         path, std::nullopt, 0);
    const uint64_t n = qFromLittleEndian<quint64>(file);
    if (n > kMaxHeaderLength)
        return makeError(ErrorKind::HeaderTooLarge,
                         QStringLiteral("the header length field at offset 0 says %1 bytes; the limit is 100,000,000")
                             .arg(fromStd(groupDigits(n))),
                         path, std::nullopt, 0);
    if (n > fileSize - 8)
        return makeError(ErrorKind::InvalidHeaderLength,
                         QStringLiteral("the header length field says %1 bytes, but only %2 bytes follow it")
                             .arg(fromStd(groupDigits(n)), fromStd(groupDigits(fileSize - 8))),
                         path, std::nullopt, 0);
    if (available < 8 + n)
        return makeError(ErrorKind::IoError, QStringLiteral("the header could not be read"), path);

    const unsigned char* json = file + 8;
    if (const auto bad = findInvalidUtf8(json, n))
        return makeError(ErrorKind::InvalidHeader,
                         QStringLiteral("the header is not valid UTF-8: byte 0x%1 at file offset %2")
                             .arg(json[*bad], 2, 16, QLatin1Char('0'))
                             .arg(8 + *bad),
                         path, std::nullopt, 8 + *bad);
    if (n >= 3 && json[0] == 0xEF && json[1] == 0xBB && json[2] == 0xBF)
        return makeError(ErrorKind::InvalidHeaderDeserialization,
                         QStringLiteral("the header starts with a byte order mark (offset 8); JSON must not"), path,
                         std::nullopt, 8);

    // A NUL byte is never valid JSON; finding it up front gives the exact offset.
    if (const void* nul = std::memchr(json, 0, n)) {
        const auto at = static_cast<uint64_t>(static_cast<const unsigned char*>(nul) - json);
        return makeError(ErrorKind::InvalidHeaderDeserialization,
                         QStringLiteral("invalid JSON: NUL byte at file offset %1").arg(8 + at), path, std::nullopt,
                         8 + at);
    }

    Header header;
    header.headerLength = n;
    header.dataStart = 8 + n;
    header.fileSize = fileSize;
    uint64_t lead = 0;
    while (lead < n && isJsonSpace(json[lead]))
        ++lead;
    uint64_t tail = 0;
    while (tail < n - lead && isJsonSpace(json[n - 1 - tail]))
        ++tail;
    header.leadingWhitespace = lead;
    header.padding = tail;

    HeaderJsonParser parser(reinterpret_cast<const char*>(json), n, header, mode == OpenMode::Lenient);
    if (!parser.parse()) {
        const uint64_t offset = 8 + parser.failurePosition();
        std::optional<QString> tensor;
        if (!parser.failureTensor().empty())
            tensor = fromStd(parser.failureTensor());
        return makeError(ErrorKind::InvalidHeaderDeserialization,
                         fromStd(parser.failureMessage()) + QStringLiteral(" (file offset %1)").arg(offset), path,
                         tensor, offset);
    }

    if (Status status = validateOffsets(header, path); !status)
        return status.error();
    header.layout = detectWriterLayout(header.tensors);
    return header;
}

} // namespace safescope
