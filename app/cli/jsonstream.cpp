#include "jsonstream.h"

namespace safescope::cli {

namespace {

constexpr size_t kFlushBytes = 1 << 20;

} // namespace

JsonStream::JsonStream()
{
    m_buffer.reserve(kFlushBytes + 4096);
    m_buffer += '{';
}

JsonStream::~JsonStream()
{
    if (!m_finished)
        finish();
}

void JsonStream::key(std::string_view name)
{
    m_buffer += m_firstMember ? "\n  " : ",\n  ";
    m_firstMember = false;
    m_buffer += nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    m_buffer += ": ";
}

void JsonStream::appendValue(const nlohmann::json& value, int depth)
{
    const std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string indent(static_cast<size_t>(2 * depth), ' ');
    // Raw newlines occur only between tokens: dump() escapes those inside strings.
    size_t from = 0;
    for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', from)) {
        m_buffer.append(text, from, at + 1 - from);
        m_buffer += indent;
        from = at + 1;
    }
    m_buffer.append(text, from, std::string::npos);
    flushIfFull();
}

void JsonStream::member(std::string_view name, const nlohmann::json& value)
{
    key(name);
    appendValue(value, 1);
}

void JsonStream::beginArray(std::string_view name)
{
    key(name);
    m_buffer += '[';
    m_firstElement = true;
}

void JsonStream::element(const nlohmann::json& value)
{
    m_buffer += m_firstElement ? "\n    " : ",\n    ";
    m_firstElement = false;
    appendValue(value, 2);
}

void JsonStream::endArray()
{
    m_buffer += m_firstElement ? "]" : "\n  ]"; // an empty array prints as [] in dump(2)
}

void JsonStream::finish()
{
    m_finished = true;
    m_buffer += m_firstMember ? "}\n" : "\n}\n";
    std::fwrite(m_buffer.data(), 1, m_buffer.size(), stdout);
    m_buffer.clear();
    std::fflush(stdout);
}

void JsonStream::flushIfFull()
{
    if (m_buffer.size() < kFlushBytes)
        return;
    std::fwrite(m_buffer.data(), 1, m_buffer.size(), stdout);
    m_buffer.clear();
}

} // namespace safescope::cli
