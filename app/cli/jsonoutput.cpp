#include "jsonoutput.h"

#include "commands.h"
#include "core/text/textutil.h"
#include "terminalstream.h"

#include <cstdio>

namespace safescope::cli {

std::string toStd(const QString& text)
{
    return text.toStdString();
}

nlohmann::json errorJson(const Error& error)
{
    nlohmann::json object{{"kind", errorKindName(error.kind)},
                          {"message", toStd(error.message)},
                          {"tensor", nullptr},
                          {"offset", nullptr},
                          {"path", toStd(error.path)}};
    if (error.tensor)
        object["tensor"] = toStd(*error.tensor);
    if (error.offset)
        object["offset"] = *error.offset;
    if (!error.detectedFormat.isEmpty())
        object["detected_format"] = toStd(error.detectedFormat);
    return object;
}

nlohmann::json warningJson(const Warning& warning)
{
    nlohmann::json object{
        {"code", toStd(warning.code)}, {"message", toStd(warning.message)}, {"tensor", nullptr}, {"shard", nullptr}};
    if (!warning.tensor.isEmpty())
        object["tensor"] = toStd(warning.tensor);
    if (!warning.shard.isEmpty())
        object["shard"] = toStd(warning.shard);
    return object;
}

void printJson(const nlohmann::json& value)
{
    const std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void printError(const Error& error)
{
    TerminalStream err(stderr);
    err << "safescope-cli: " << error.describe() << '\n';
}

int exitCodeFor(const Error& error)
{
    switch (error.kind) {
    case ErrorKind::IoError:
    case ErrorKind::FileChanged: // the file is not to blame: it was read while another program wrote it
    case ErrorKind::InvalidArgument:
    case ErrorKind::Cancelled:
        return ExitUsage;
    case ErrorKind::HeaderTooSmall:
    case ErrorKind::HeaderTooLarge:
    case ErrorKind::InvalidHeaderLength:
    case ErrorKind::InvalidHeader:
    case ErrorKind::InvalidHeaderDeserialization:
    case ErrorKind::InvalidOffset:
    case ErrorKind::ValidationOverflow:
    case ErrorKind::MisalignedSlice:
    case ErrorKind::TensorInvalidInfo:
    case ErrorKind::MetadataIncompleteBuffer:
    case ErrorKind::InvalidIndex:
        return ExitInvalid;
    }
    return ExitUsage; // no other kind exists; -Wswitch names a new one here
}

} // namespace safescope::cli
