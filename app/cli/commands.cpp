#include "commands.h"

#include "terminalstream.h"

#include <QCoreApplication>

namespace safescope::cli {

const std::vector<Command>& commands()
{
    static const std::vector<Command> table{
        {"validate", "Validate a checkpoint strictly, exactly as the reference loader does", runValidate},
        {"info", "Describe a checkpoint: files, tensors, parameters, metadata", runInfo},
        {"stats", "Statistics, percentiles and a histogram of one tensor's values", runStats},
        {"slice", "Decoded values of a window of a tensor slice", runSlice},
        {"diff", "Compare two checkpoints tensor by tensor, with value metrics", runDiff},
        {"meta", "Print or edit __metadata__ (in place when it fits, crash-safe)", runMeta},
        {"export", "Export selected tensors: rename, convert dtype, shard", runExport},
        {"check", "Scan every tensor's values for NaN, Inf, zeros, duplicates and more", runCheck},
        {"hash", "SHA-256, tensor-data and legacy hashes; check the hashes the metadata claims", runHash},
    };
    return table;
}

QString exitCodeHelp()
{
    return QStringLiteral("Exit codes (the same for every command):\n"
                          "  0  success: the input is valid (and, for diff --fail-on-diff, equal)\n"
                          "  1  the input is invalid (a format error or a sharding problem), or diff --fail-on-diff "
                          "found differences\n"
                          "  2  usage error, or I/O error: missing or unreadable path, not a regular file (FIFO, "
                          "device, socket), file changed on disk while it was read, cancelled");
}

namespace {

void printUsage(QTextStream& stream)
{
    stream << "Usage: safescope-cli COMMAND [OPTIONS] ...\n\n"
           << "Inspect, validate and edit safetensors checkpoints (a file, a *.safetensors.index.json, or a model "
              "folder).\n\nCommands:\n";
    for (const Command& command : commands())
        stream << "  " << QString::fromLatin1(command.name).leftJustified(10) << command.summary << '\n';
    stream << "\nRun 'safescope-cli COMMAND --help' for a command's options.\n\n" << exitCodeHelp() << '\n';
}

} // namespace

int runCommandLine(const QStringList& arguments)
{
    TerminalStream out(stdout);
    TerminalStream err(stderr);
    const QString first = arguments.value(1);
    if (first.isEmpty() || first == QLatin1String("--help") || first == QLatin1String("-h") ||
        first == QLatin1String("help")) {
        printUsage(first.isEmpty() ? err : out);
        return first.isEmpty() ? ExitUsage : ExitOk;
    }
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        out << QCoreApplication::applicationName() << ' ' << QCoreApplication::applicationVersion() << '\n';
        return ExitOk;
    }
    for (const Command& command : commands()) {
        if (first == QLatin1String(command.name)) {
            QStringList rest = arguments.mid(2);
            rest.prepend(arguments.value(0) + QLatin1Char(' ') + first);
            return command.run(rest);
        }
    }
    err << "safescope-cli: unknown command '" << first << "'\n\n";
    printUsage(err);
    return ExitUsage;
}

} // namespace safescope::cli
