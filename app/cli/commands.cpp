#include "commands.h"

#include <QCoreApplication>
#include <QTextStream>

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
    };
    return table;
}

namespace {

void printUsage(QTextStream& stream)
{
    stream << "Usage: safescope-cli COMMAND [OPTIONS] ...\n\n"
           << "Inspect, validate and edit safetensors checkpoints (a file, a *.safetensors.index.json, or a model "
              "folder).\n\nCommands:\n";
    for (const Command& command : commands())
        stream << "  " << QString::fromLatin1(command.name).leftJustified(10) << command.summary << '\n';
    stream << "\nRun 'safescope-cli COMMAND --help' for a command's options.\n"
           << "Exit codes: 0 success, 1 invalid file or differences found, 2 usage or I/O error.\n";
}

} // namespace

int runCommandLine(const QStringList& arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
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
