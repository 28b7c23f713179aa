#pragma once

#include <QString>
#include <QTextStream>

#include <cstdio>

namespace safescope::cli {

namespace detail {
struct TextBuffer
{
    QString text;
};
} // namespace detail

/// A QTextStream for stdout or stderr that writes file names back as the bytes they were: text is collected in a
/// QString and written with encodeLocalPath(), so a name that is not UTF-8 (held as surrogate escapes, see
/// core/io/localpath.h) prints as its own bytes and can be pasted into the next command. QTextStream(stdout) would
/// print U+FFFD instead. Written out by flushToFile() and when it goes.
class TerminalStream final : private detail::TextBuffer, public QTextStream
{
public:
    explicit TerminalStream(FILE* file);
    ~TerminalStream();
    TerminalStream(const TerminalStream&) = delete;
    TerminalStream& operator=(const TerminalStream&) = delete;

    /// Writes what was collected to the file now (rows of a long diff appear as they finish).
    void flushToFile();

private:
    FILE* m_file;
};

} // namespace safescope::cli
