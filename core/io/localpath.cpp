#include "core/io/localpath.h"

#include "core/format/utf8.h"
#include "core/io/pathsyntax.h"
#include "core/platform/filesystem.h"

namespace safescope {

namespace {

constexpr char16_t kEscapeBase = 0xDC00; // U+DC80..U+DCFF hold the bytes 0x80..0xFF

bool isEscape(char16_t unit)
{
    return unit >= kEscapeBase + 0x80 && unit <= kEscapeBase + 0xFF;
}

} // namespace

QString decodeLocalPath(const QByteArray& bytes)
{
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.constData());
    const auto size = static_cast<size_t>(bytes.size());
    QString path;
    size_t start = 0;
    while (start < size) {
        const std::optional<size_t> bad = findInvalidUtf8(data + start, size - start);
        const size_t validEnd = bad ? start + *bad : size;
        path += QString::fromUtf8(bytes.constData() + start, static_cast<qsizetype>(validEnd - start));
        if (!bad)
            break;
        // One invalid byte at a time: the next byte may begin a valid sequence again.
        path += QChar(static_cast<char16_t>(kEscapeBase + data[validEnd]));
        start = validEnd + 1;
    }
    return path;
}

QByteArray encodeLocalPath(const QString& path)
{
    QByteArray bytes;
    bytes.reserve(path.size());
    qsizetype start = 0;
    for (qsizetype i = 0; i <= path.size(); ++i) {
        if (i < path.size() && !isEscape(path[i].unicode()))
            continue;
        bytes += QStringView(path).mid(start, i - start).toUtf8();
        if (i < path.size())
            bytes += static_cast<char>(path[i].unicode() - kEscapeBase);
        start = i + 1;
    }
    return bytes;
}

QString absoluteLocalPath(const QString& path)
{
    // Cleaned by name: each piece stays the exact QString it was, escapes included.
    return cleanAbsolutePath(path, decodeLocalPath(QByteArray::fromStdString(platform::currentFolder())));
}

QStringList decodeArguments(int argc, char* argv[])
{
    QStringList arguments;
    arguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        arguments.append(decodeLocalPath(QByteArray(argv[i])));
    return arguments;
}

} // namespace safescope
