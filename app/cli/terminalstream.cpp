#include "terminalstream.h"

#include "core/io/localpath.h"

namespace safescope::cli {

TerminalStream::TerminalStream(FILE* file) : QTextStream(&text), m_file(file) {}

TerminalStream::~TerminalStream()
{
    flushToFile();
}

void TerminalStream::flushToFile()
{
    flush(); // QTextStream appends what it buffered to `text`
    if (text.isEmpty())
        return;
    const QByteArray bytes = encodeLocalPath(text);
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), m_file);
    std::fflush(m_file);
    text.clear();
}

} // namespace safescope::cli
