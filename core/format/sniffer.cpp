#include "core/format/sniffer.h"

#include "core/text/format.h"

#include <QByteArray>
#include <QRegularExpression>

#include <algorithm>
#include <cstring>

namespace safescope {

namespace {

bool startsWith(const unsigned char* data, uint64_t size, const char* prefix)
{
    const size_t length = std::strlen(prefix);
    return size >= length && std::memcmp(data, prefix, length) == 0;
}

bool looksLikeText(const QByteArray& head)
{
    if (head.isEmpty())
        return false;
    for (char c : head) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == 0 || (byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t'))
            return false;
    }
    return true;
}

// " of 4.10 GiB (4,400,000,000 bytes)": the size a pointer names, in the forms every other size is printed in.
QString realSize(const QString& digits)
{
    bool ok = false;
    const qulonglong value = digits.toULongLong(&ok);
    if (!ok)
        return QStringLiteral(" of %1 bytes").arg(digits);
    return QStringLiteral(" of %1 (%2 bytes)").arg(format::bytes(value), format::count(value));
}

} // namespace

SniffResult sniffFormat(const unsigned char* data, uint64_t size)
{
    if (size == 0)
        return {SniffedFormat::Empty, QStringLiteral("empty file"),
                QStringLiteral("The file is empty (0 bytes): the download or copy did not complete.")};
    const QByteArray head(reinterpret_cast<const char*>(data), static_cast<qsizetype>(std::min<uint64_t>(size, 1024)));
    if (head.startsWith("version https://git-lfs.github.com/spec/")) {
        static const QRegularExpression sizeLine(QStringLiteral("\\nsize (\\d+)"));
        const auto match = sizeLine.match(QString::fromLatin1(head));
        const QString bytes = match.hasMatch() ? realSize(match.captured(1)) : QString();
        return {SniffedFormat::GitLfsPointer, QStringLiteral("Git LFS pointer"),
                QStringLiteral("This is a Git LFS pointer, not the weights: run 'git lfs pull' (or download the file "
                               "itself) to fetch the real file%1.")
                    .arg(bytes)};
    }
    if (startsWith(data, size, "PK\x03\x04") || startsWith(data, size, "PK\x05\x06"))
        return {SniffedFormat::Zip, QStringLiteral("zip archive"),
                QStringLiteral("This is a zip archive, typically a PyTorch .pt/.bin checkpoint written by torch.save, "
                               "not a safetensors file.")};
    if (size >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5)
        return {SniffedFormat::Pickle, QStringLiteral("Python pickle"),
                QStringLiteral("This is a Python pickle (protocol %1), such as an old PyTorch checkpoint, not a "
                               "safetensors file. Never unpickle files you do not trust.")
                    .arg(data[1])};
    if (startsWith(data, size, "GGUF"))
        return {SniffedFormat::Gguf, QStringLiteral("GGUF file"),
                QStringLiteral("This is a GGUF file (the llama.cpp format), not a safetensors file.")};
    const QByteArray lowered = head.left(512).trimmed().toLower();
    if (lowered.startsWith("<!doctype html") || lowered.startsWith("<html") || lowered.contains("<html"))
        return {SniffedFormat::Html, QStringLiteral("HTML page"),
                QStringLiteral("This is an HTML page (an error or login page saved in place of the model), not a "
                               "safetensors file.")};
    if (looksLikeText(head))
        return {SniffedFormat::Text, QStringLiteral("text file"),
                QStringLiteral("This is a text file, not a safetensors file (it starts with \"%1\").")
                    .arg(QString::fromUtf8(head.left(40)).simplified())};
    return {};
}

} // namespace safescope
