// safescope-cli check: the value health scan (NaN, Inf, zero and constant tensors, F16 overflow, duplicates,
// misalignment, metadata) of every tensor of every shard, in one pass.
#include "commandline.h"
#include "commands.h"
#include "core/format/model.h"
#include "core/platform/process.h"
#include "core/remote/fetchedtensor.h"
#include "core/text/format.h"
#include "core/values/healthscan.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "terminalstream.h"

#include <QSet>

#include <atomic>
#include <cstdio>

namespace safescope::cli {

namespace {

QString kindList()
{
    QStringList names;
    for (int k = 0; k < kHealthKindCount; ++k)
        names << QLatin1StringView(healthKindName(static_cast<HealthKind>(k)));
    return names.join(QStringLiteral(", "));
}

/// --fail-on: comma-separated kinds, "all", or "none". Empty on a name that is not a kind.
std::optional<QSet<HealthKind>> parseFailOn(const QString& text)
{
    QSet<HealthKind> kinds;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString name = item.trimmed().toLower();
        if (name == QLatin1String("none"))
            continue;
        if (name == QLatin1String("all")) {
            for (int k = 0; k < kHealthKindCount; ++k)
                kinds.insert(static_cast<HealthKind>(k));
            continue;
        }
        const std::optional<HealthKind> kind = healthKindFromName(toStd(name));
        if (!kind)
            return std::nullopt;
        kinds.insert(*kind);
    }
    return kinds;
}

nlohmann::json problemJson(const HealthProblem& p)
{
    return {{"tensor", p.tensor ? nlohmann::json(p.tensorName) : nlohmann::json(nullptr)},
            {"kind", healthKindName(p.kind)},
            {"severity", healthSeverityName(p.severity())},
            {"count", p.count},
            {"first_index", p.firstIndex ? nlohmann::json(*p.firstIndex) : nlohmann::json(nullptr)},
            {"detail", toStd(p.detail)}};
}

/// "checking values: 42% (1.2 GiB of 2.9 GiB)" rewritten in place on a terminal, at most once per percent.
class TerminalProgress final
{
public:
    TerminalProgress() : m_enabled(platform::isTerminal(platform::StandardStream::Error)) {}
    ~TerminalProgress() { clear(); }
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    void report(uint64_t done, uint64_t total)
    {
        if (!m_enabled || total == 0)
            return;
        const int percent = static_cast<int>(done * 100 / total);
        if (percent == m_shown.exchange(percent))
            return;
        const QByteArray line = QStringLiteral("\rchecking values: %1% (%2 of %3)")
                                    .arg(percent)
                                    .arg(format::bytes(done), format::bytes(total))
                                    .toUtf8();
        std::fputs(line.constData(), stderr);
        std::fflush(stderr);
        m_drawn = true;
    }
    void clear()
    {
        if (m_drawn)
            std::fputs("\r\033[K", stderr);
        m_drawn = false;
    }

private:
    bool m_enabled;
    std::atomic_int m_shown{-1};
    bool m_drawn = false;
};

} // namespace

int runCheck(const QStringList& arguments)
{
    CommandLine line(
        QStringLiteral("Scan every tensor of every shard once for unhealthy values: NaN and Inf (errors), all-zero "
                       "and constant tensors, finite values beyond F16's range (F32, F64, BF16), byte-identical "
                       "duplicate tensors, data offsets misaligned for their dtype, and a single file without the "
                       "\"format\" metadata key (warnings). Integer, BOOL and packed dtypes get the checks that mean "
                       "something for them (all-zero, constant, duplicate, misaligned).\n"
                       "JSON (--json): {\"problems\": [{\"tensor\", \"kind\", \"severity\", \"count\", "
                       "\"first_index\", \"detail\"}], \"tensors_scanned\", \"bytes_scanned\"}; first_index is the "
                       "flat row-major index of the first offending element (null when it does not apply).\n"
                       "Exit codes of check: 0 when no problem of a --fail-on kind was found, 1 when one was, 2 when "
                       "the scan could not be done (usage, unreadable or invalid input, file changed while read)."),
        {QStringLiteral("PATH")},
        {QStringLiteral("A .safetensors file, a *.safetensors.index.json, a model folder, or a remote location "
                        "(https://, hf://), read one tensor at a time.")});
    line.parser().addOption(
        {QStringLiteral("fail-on"),
         QStringLiteral("Comma-separated kinds that make the exit code 1 (default: nan,inf, the errors). Kinds: %1; "
                        "also all, none.")
             .arg(kindList()),
         QStringLiteral("KINDS"), QStringLiteral("nan,inf")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    const std::optional<QSet<HealthKind>> failOn = parseFailOn(line.value(QStringLiteral("fail-on")));
    if (!failOn)
        return line.usageError(QStringLiteral("--fail-on takes kinds from: %1, all, none").arg(kindList()));

    auto opened = openModelArgument(line.positional(0), OpenMode::Lenient);
    Result<HealthReport> scanned = opened ? Result<HealthReport>(HealthReport{}) : Result<HealthReport>(opened.error());
    if (opened) {
        stopBeforeReadIfAsked();
        const std::atomic_bool cancel{false};
        TerminalProgress progress;
        const auto report = [&](uint64_t done, uint64_t total) { progress.report(done, total); };
        // A remote model is scanned a tensor at a time, each fetched whole (several ranges in flight) then let go.
        scanned = isRemoteModel(**opened)
                      ? scanHealth(**opened, FetchedTensor::wholeTensorBytes(**opened), cancel, report)
                      : scanHealth(**opened, cancel, report);
    }
    if (!scanned) {
        if (line.json())
            printJson(nlohmann::json{{"error", errorJson(scanned.error())}});
        printError(scanned.error());
        // The contract for check: 1 means "problems found", so every failure to scan is 2.
        return ExitUsage;
    }

    const HealthReport& report = *scanned;
    bool failed = false;
    for (const HealthProblem& p : report.problems)
        failed = failed || failOn->contains(p.kind);
    if (line.json()) {
        nlohmann::json problems = nlohmann::json::array();
        for (const HealthProblem& p : report.problems)
            problems.push_back(problemJson(p));
        printJson({{"problems", std::move(problems)},
                   {"tensors_scanned", report.tensorsScanned},
                   {"bytes_scanned", report.bytesScanned}});
        return failed ? ExitInvalid : ExitOk;
    }
    TerminalStream out(stdout);
    uint64_t errors = 0;
    for (const HealthProblem& p : report.problems) {
        errors += p.severity() == HealthSeverity::Error;
        out << healthSeverityName(p.severity()) << ' ' << healthKindName(p.kind) << ' '
            << (p.tensor ? QString::fromStdString(p.tensorName) : QStringLiteral("(model)")) << ": " << p.detail
            << '\n';
    }
    const uint64_t warnings = report.problems.size() - errors;
    out << (report.problems.empty() ? QStringLiteral("no problems")
                                    : QStringLiteral("%1 %2, %3 %4")
                                          .arg(errors)
                                          .arg(errors == 1 ? QStringLiteral("error") : QStringLiteral("errors"))
                                          .arg(warnings)
                                          .arg(warnings == 1 ? QStringLiteral("warning") : QStringLiteral("warnings")))
        << " in " << format::count(report.tensorsScanned)
        << (report.tensorsScanned == 1 ? QStringLiteral(" tensor (") : QStringLiteral(" tensors ("))
        << format::bytes(report.bytesScanned) << " of values read)\n";
    return failed ? ExitInvalid : ExitOk;
}

} // namespace safescope::cli
