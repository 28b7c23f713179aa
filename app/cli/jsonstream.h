#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace safescope::cli {

/// Writes one top-level JSON object to stdout member by member, in exactly the text printJson() gives the whole
/// object (indent 2, invalid UTF-8 replaced), so a long array never exists as a DOM: each element is built, printed
/// and freed. Members appear in the order they are written; a caller wanting printJson()'s sorted keys writes them
/// sorted.
class JsonStream final
{
public:
    JsonStream();
    ~JsonStream();
    JsonStream(const JsonStream&) = delete;
    JsonStream& operator=(const JsonStream&) = delete;

    void member(std::string_view key, const nlohmann::json& value);
    void beginArray(std::string_view key);
    void element(const nlohmann::json& value);
    void endArray();
    /// Closes the object and flushes.
    void finish();

private:
    void key(std::string_view key);
    /// Appends value.dump(2) with every line after the first indented by `depth` more levels.
    void appendValue(const nlohmann::json& value, int depth);
    void flushIfFull();

    std::string m_buffer;
    bool m_firstMember = true;
    bool m_firstElement = true;
    bool m_finished = false;
};

} // namespace safescope::cli
