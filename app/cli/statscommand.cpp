// safescope-cli stats: statistics and a histogram of one tensor's values.
#include "commandline.h"
#include "commands.h"
#include "core/format/errorcontext.h"
#include "core/format/model.h"
#include "core/quant/dequantizedstats.h"
#include "core/text/format.h"
#include "core/values/tensorstats.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "quantlookup.h"
#include "terminalstream.h"
#include "valuejson.h"

namespace safescope::cli {

namespace {

QString percentileKey(double level)
{
    return QStringLiteral("p") + QString::number(level, 'g', 4);
}

nlohmann::json statsJson(const ValueStats& s)
{
    nlohmann::json percentiles = nlohmann::json::object();
    for (size_t i = 0; i < kPercentileLevels.size(); ++i)
        percentiles[toStd(percentileKey(kPercentileLevels[i]))] = valueJson(s.percentiles[i]);
    nlohmann::json edges = nlohmann::json::array();
    for (double edge : s.histogram.edges)
        edges.push_back(valueJson(edge));
    return {{"count", s.count},
            {"min", valueJson(s.min)},
            {"max", valueJson(s.max)},
            {"mean", valueJson(s.mean)},
            {"std", valueJson(s.std)},
            {"sum", valueJson(s.sum)},
            {"l2", valueJson(s.l2)},
            {"zeros", s.zeros},
            {"nan", s.nan},
            {"posinf", s.posinf},
            {"neginf", s.neginf},
            {"subnormal", s.subnormal},
            {"percentiles", std::move(percentiles)},
            {"histogram", {{"edges", std::move(edges)}, {"counts", s.histogram.counts}}},
            {"exact", s.exact}};
}

void printTable(QTextStream& out, const QString& title, const ValueStats& s)
{
    auto row = [&](const QString& name, const QString& value) {
        out << "  " << name.leftJustified(12) << value.rightJustified(24) << '\n';
    };
    auto num = [](double v) { return QString::number(v, 'g', 9); };
    out << title << '\n';
    row(QStringLiteral("count"), format::count(s.count));
    row(QStringLiteral("min"), num(s.min));
    row(QStringLiteral("max"), num(s.max));
    row(QStringLiteral("mean"), num(s.mean));
    row(QStringLiteral("std"), num(s.std));
    row(QStringLiteral("sum"), num(s.sum));
    row(QStringLiteral("l2"), num(s.l2));
    row(QStringLiteral("zeros"), format::count(s.zeros));
    row(QStringLiteral("nan"), format::count(s.nan));
    row(QStringLiteral("posinf"), format::count(s.posinf));
    row(QStringLiteral("neginf"), format::count(s.neginf));
    row(QStringLiteral("subnormal"), format::count(s.subnormal));
    for (size_t i = 0; i < kPercentileLevels.size(); ++i)
        row(percentileKey(kPercentileLevels[i]), num(s.percentiles[i]));
    row(QStringLiteral("percentiles"),
        s.exact ? QStringLiteral("exact") : QStringLiteral("+-") + QString::number(s.percentileError, 'g', 3));
    out << "  histogram (" << s.histogram.counts.size() << " bins)\n";
    for (size_t b = 0; b < s.histogram.counts.size(); ++b)
        out << "    " << num(s.histogram.edges[b]).rightJustified(16) << "  " << format::count(s.histogram.counts[b])
            << '\n';
}

} // namespace

int runStats(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Statistics of one tensor: moments, special values, percentiles and a histogram.\n"
                                    "Exact for dtypes of 16 bits or fewer; otherwise percentiles are read from a "
                                    "65,536-bin histogram (error bound printed)."),
                     {QStringLiteral("PATH"), QStringLiteral("TENSOR")},
                     {QStringLiteral("A .safetensors file, a *.safetensors.index.json, or a model folder."),
                      QStringLiteral("The tensor's (qualified) name; a quantized weight's logical name gives its "
                                     "dequantized values.")});
    line.parser().addOption(
        {QStringLiteral("raw"), QStringLiteral("Statistics of the stored codes of a quantized weight (its main stored "
                                               "part), not of its dequantized values.")});
    line.parser().addOption({QStringLiteral("bins"), QStringLiteral("Histogram bins (default 256)."),
                             QStringLiteral("N"), QStringLiteral("256")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    bool ok = false;
    const int bins = line.value(QStringLiteral("bins")).toInt(&ok);
    if (!ok || bins < 1 || bins > (1 << 24))
        return line.usageError(QStringLiteral("--bins takes a number from 1 to 16777216"));

    auto opened = openModelArgument(line.positional(0), OpenMode::Lenient);
    Result<TensorStats> stats = opened ? Result<TensorStats>(TensorStats{}) : Result<TensorStats>(opened.error());
    std::optional<QuantScheme> dequantized; // the scheme when the values are a quantized weight's
    if (opened) {
        const Model& model = **opened;
        const QuantView quant = quantViewOf(model);
        Result<ResolvedTensor> resolved =
            resolveTensor(model, quant.catalog, toStd(line.positional(1)), line.isSet(QStringLiteral("raw")));
        if (!resolved) {
            stats = resolved.error();
        } else {
            StatsOptions options;
            options.histogram.bins = bins;
            const std::atomic_bool cancel{false};
            stopBeforeReadIfAsked();
            if (const Dequantizer* d = resolved->dequantizer.get()) {
                dequantized = d->tensor().scheme;
                stats = computeDequantizedStats(*d, options, cancel);
                if (!stats)
                    stats = inLogicalTensor(stats.error(), d->tensor());
            } else {
                auto values = wholeTensor(model, *resolved->stored); // a remote tensor is fetched first
                stats = values ? computeStats(values->view, options, cancel) : Result<TensorStats>(values.error());
                if (!stats)
                    stats = inTensor(stats.error(), model, *resolved->stored);
            }
        }
    }
    if (!stats) {
        if (line.json())
            printJson(nlohmann::json{{"error", errorJson(stats.error())}});
        printError(stats.error());
        return exitCodeFor(stats.error());
    }

    const TensorStats& s = *stats;
    if (line.json()) {
        nlohmann::json json = statsJson(s);
        json["dtype"] = std::string(dtypeName(s.dtype));
        json["dequantized"] = dequantized.has_value();
        if (dequantized)
            json["scheme"] = quantSchemeName(*dequantized);
        if (s.real)
            json["real"] = statsJson(*s.real);
        if (s.imag)
            json["imag"] = statsJson(*s.imag);
        if (s.bools)
            json["bool"] = {{"false", s.bools->falseCount}, {"true", s.bools->trueCount}, {"other", s.bools->other}};
        printJson(json);
        return ExitOk;
    }
    TerminalStream out(stdout);
    out << "tensor " << line.positional(1) << " (" << QLatin1StringView(dtypeName(s.dtype)) << ")\n";
    if (dequantized)
        out << "dequantized from " << quantSchemeName(*dequantized) << " (stored codes: --raw)\n";
    printTable(out, s.real ? QStringLiteral("magnitude") : QStringLiteral("values"), s);
    if (s.real)
        printTable(out, QStringLiteral("real"), *s.real);
    if (s.imag)
        printTable(out, QStringLiteral("imaginary"), *s.imag);
    if (s.bools)
        out << "bool\n  false " << format::count(s.bools->falseCount) << "\n  true  "
            << format::count(s.bools->trueCount) << "\n  other " << format::count(s.bools->other) << '\n';
    return ExitOk;
}

} // namespace safescope::cli
