#pragma once

#include <QStringList>

#include <vector>

namespace safescope::cli {

/// Exit codes shared by every command: scripts in CI rely on them. One rule for all commands: 1 blames the input's
/// content (or reports the outcome the user asked to fail on), 2 blames the request or the system. exitCodeFor()
/// maps an Error to one of them by its kind; commands never pick a code for an error themselves.
enum ExitCode : int
{
    ExitOk = 0,      ///< success; the file is valid; no difference
    ExitInvalid = 1, ///< the input is invalid, or the models differ (diff --fail-on-diff)
    ExitUsage = 2    ///< bad usage, or an I/O error (missing, unreadable, not a regular file, changed while read,
                     ///< cancelled)
};

/// The exit-code paragraph every command's --help ends with.
QString exitCodeHelp();

/// One sub-command: `safescope-cli NAME ...`. `arguments` starts with "safescope-cli NAME".
struct Command
{
    const char* name;
    const char* summary;
    int (*run)(const QStringList& arguments);
};

/// Every sub-command, in the order `--help` lists them.
const std::vector<Command>& commands();

/// Dispatches the process arguments to a command; handles the top-level --help and --version.
int runCommandLine(const QStringList& arguments);

// The commands, one per file.
int runValidate(const QStringList& arguments);
int runInfo(const QStringList& arguments);
int runStats(const QStringList& arguments);
int runSlice(const QStringList& arguments);
int runDiff(const QStringList& arguments);
int runMeta(const QStringList& arguments);
int runExport(const QStringList& arguments);
int runCheck(const QStringList& arguments);
int runHash(const QStringList& arguments);

} // namespace safescope::cli
