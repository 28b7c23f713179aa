#pragma once

#include "core/format/error.h"
#include "core/format/warning.h"

#include <QString>
#include <nlohmann/json.hpp>

#include <string>

namespace safescope::cli {

std::string toStd(const QString& text);
/// {"kind","message","tensor","offset","path"[,"detected_format"]}: the error as scripts read it.
nlohmann::json errorJson(const Error& error);
/// {"code","message","tensor","shard"}
nlohmann::json warningJson(const Warning& warning);
/// Pretty-prints to stdout; invalid UTF-8 (never expected) is replaced rather than thrown on.
void printJson(const nlohmann::json& value);
/// Prints the error in plain words to stderr.
void printError(const Error& error);
/// The one exit-code rule (commands.h): ExitUsage for usage, I/O, changed-while-read and cancelled, ExitInvalid for
/// everything the input's content is to blame for (format errors, unusable index).
int exitCodeFor(const Error& error);

} // namespace safescope::cli
