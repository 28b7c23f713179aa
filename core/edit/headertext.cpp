#include "core/edit/headertext.h"

#include "core/text/jsonstring.h"

#include <charconv>

namespace safescope {

namespace {

void appendNumber(std::string& out, uint64_t value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, result.ptr);
}

} // namespace

std::string headerTextKeepingLayout(const Header& header, const std::optional<std::vector<MetadataEntry>>& metadata)
{
    std::string out;
    out.reserve(static_cast<size_t>(header.headerLength) + 64);
    out.push_back('{');
    bool first = true;
    if (metadata) {
        out.append("\"__metadata__\":{");
        for (size_t i = 0; i < metadata->size(); ++i) {
            if (i > 0)
                out.push_back(',');
            appendJsonString(out, (*metadata)[i].key);
            out.push_back(':');
            appendJsonString(out, (*metadata)[i].value);
        }
        out.push_back('}');
        first = false;
    }
    for (const TensorInfo& tensor : header.tensors) {
        if (!first)
            out.push_back(',');
        first = false;
        appendJsonString(out, tensor.name);
        out.append(":{\"dtype\":");
        appendJsonString(out, tensor.dtype == DType::Unknown ? tensor.unknownDType() : dtypeName(tensor.dtype));
        out.append(",\"shape\":[");
        for (size_t d = 0; d < tensor.shape.size(); ++d) {
            if (d > 0)
                out.push_back(',');
            appendNumber(out, tensor.shape[d]);
        }
        out.append("],\"data_offsets\":[");
        appendNumber(out, tensor.begin);
        out.push_back(',');
        appendNumber(out, tensor.end);
        out.append("]}");
    }
    out.push_back('}');
    return out;
}

} // namespace safescope
