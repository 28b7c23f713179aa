#include "core/text/jsonstring.h"

namespace safescope {

namespace {

struct AppendSink
{
    std::string& out;
    void append(std::string_view piece) { out.append(piece); }
    void put(char c) { out.push_back(c); }
};

} // namespace

void appendJsonString(std::string& out, std::string_view text)
{
    AppendSink sink{out};
    writeJsonString(sink, text);
}

} // namespace safescope
