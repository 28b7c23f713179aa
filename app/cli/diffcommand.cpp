// safescope-cli diff: two checkpoints compared tensor by tensor.
#include "commandline.h"
#include "commands.h"
#include "core/diff/diffreport.h"
#include "core/diff/diffreportjson.h"
#include "core/diff/modeldiff.h"
#include "core/diff/quantpairdiff.h"
#include "core/format/model.h"
#include "core/remote/remotediff.h"
#include "core/text/format.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "quantlookup.h"
#include "terminalstream.h"

#include <cmath>
#include <cstdio>
#include <memory>

namespace safescope::cli {

namespace {

QString num(double v)
{
    return QString::number(v, 'g', 6);
}

// One line per pair: what changed, then the metrics when the values were compared.
void printRow(TerminalStream& out, const TensorDiff& d)
{
    const bool hasA = d.status != DiffStatus::OnlyInB;
    const bool hasB = d.status != DiffStatus::OnlyInA;
    QString name = QString::fromStdString(d.name);
    if (!d.nameB.empty())
        name += QStringLiteral(" -> ") + QString::fromStdString(d.nameB);
    const DType dtype = hasA ? d.dtypeA : d.dtypeB;
    QString type = QString::fromLatin1(dtypeName(dtype).data(), static_cast<qsizetype>(dtypeName(dtype).size()));
    if (hasA && hasB && d.dtypeA != d.dtypeB)
        type += QStringLiteral(" -> ") + QLatin1StringView(dtypeName(d.dtypeB).data(), dtypeName(d.dtypeB).size());
    QString shape = format::shape(hasA ? d.shapeA : d.shapeB);
    if (hasA && hasB && d.shapeA != d.shapeB)
        shape += QStringLiteral(" -> ") + format::shape(d.shapeB);

    out << QString::fromLatin1(diffStatusName(d.status)).leftJustified(14) << name << "  " << type << ' ' << shape;
    if (const auto& m = d.metrics; m && d.status != DiffStatus::Identical) {
        out << "\n              max|d| " << num(m->maxAbs) << " at " << format::shape(m->maxAbsPosition) << "  mean|d| "
            << num(m->meanAbs) << "  rms " << num(m->rms) << "  rel_l2 " << num(m->relL2) << "  cosine "
            << QString::number(m->cosine, 'g', 9) << "  beyond " << format::count(m->beyondTolerance);
        if (m->nanMismatch || m->infMismatch)
            out << "  nan_mismatch " << format::count(m->nanMismatch) << "  inf_mismatch "
                << format::count(m->infMismatch);
        if (!d.schemeA.empty() || !d.schemeB.empty())
            out << "  sqnr_db " << num(sqnrDb(*m));
    }
    if (!d.schemeA.empty() || !d.schemeB.empty())
        out << "  (dequantized: " << (d.schemeA.empty() ? "-" : d.schemeA.c_str()) << " vs "
            << (d.schemeB.empty() ? "-" : d.schemeB.c_str()) << ')';
    if (!d.note.empty())
        out << "  (" << QString::fromStdString(d.note) << ')';
    out << '\n';
    out.flushToFile(); // rows appear as tensors finish
}

void printSummary(QTextStream& out, const ModelDiff& diff)
{
    const DiffSummary& s = diff.summary;
    out << "\n" << format::count(s.pairs) << " tensor pairs:";
    for (int k = 0; k < kDiffStatusCount; ++k) {
        const auto status = static_cast<DiffStatus>(k);
        if (s.count(status))
            out << ' ' << diffStatusName(status) << ' ' << format::count(s.count(status)) << ',';
    }
    out << " within tolerance " << format::count(s.withinTolerance) << '\n';
    out << "parameters: A " << format::count(s.parametersA) << ", B " << format::count(s.parametersB) << ", changed "
        << format::count(s.parametersChanged) << " (in changed tensors " << format::count(s.parametersInChangedTensors)
        << ")\n";
    const MetadataDiff& m = diff.metadata;
    out << "metadata: " << m.added.size() << " added, " << m.removed.size() << " removed, " << m.changed.size()
        << " changed\n";
    for (const MetadataEntry& e : m.added)
        out << "  + " << QString::fromStdString(e.key) << " = " << QString::fromStdString(e.value) << '\n';
    for (const MetadataEntry& e : m.removed)
        out << "  - " << QString::fromStdString(e.key) << " = " << QString::fromStdString(e.value) << '\n';
    for (const MetadataDiff::Change& c : m.changed)
        out << "  ~ " << QString::fromStdString(c.key) << ": " << QString::fromStdString(c.valueA) << " -> "
            << QString::fromStdString(c.valueB) << '\n';
    out << (diff.equal() ? "equal within tolerance\n" : "models differ\n");
}

std::optional<double> toleranceValue(const QString& text)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    return ok && std::isfinite(v) && v >= 0.0 ? std::optional<double>(v) : std::nullopt;
}

int fail(bool json, const Error& error)
{
    if (json)
        printJson(nlohmann::json{{"error", errorJson(error)}});
    printError(error);
    return exitCodeFor(error); // an invalid input is 1 as in validate; I/O and usage are 2
}

} // namespace

int runDiff(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Compare two checkpoints tensor by tensor: pairs by name, classifies each pair\n"
                                    "(identical, values_differ, dtype_changed, shape_changed, only_in_a, only_in_b)\n"
                                    "and measures value changes. Values are equal when |a - b| <= atol + rtol * |b|."),
                     {QStringLiteral("A"), QStringLiteral("B")},
                     {QStringLiteral("The reference checkpoint: a file, an index or a model folder."),
                      QStringLiteral("The checkpoint compared with it.")});
    QCommandLineParser& parser = line.parser();
    parser.addOption({QStringLiteral("map"),
                      QStringLiteral("Rewrite A's tensor names before pairing; repeatable, applied in order: "
                                     "'s/REGEX/REPL/', 'strip:PREFIX' or 'add:PREFIX'."),
                      QStringLiteral("RULE")});
    parser.addOption({QStringLiteral("atol"), QStringLiteral("Absolute tolerance (default 0)."), QStringLiteral("X"),
                      QStringLiteral("0")});
    parser.addOption({QStringLiteral("rtol"), QStringLiteral("Relative tolerance (default 0)."), QStringLiteral("Y"),
                      QStringLiteral("0")});
    parser.addOption({QStringLiteral("format"),
                      QStringLiteral("Print the whole report as csv, md (Markdown) or json instead of text: the same "
                                     "bytes as the viewer's Export report. --json is --format json."),
                      QStringLiteral("FORMAT")});
    parser.addOption({QStringLiteral("fail-on-diff"),
                      QStringLiteral("Exit with 1 when the models differ beyond tolerance (tensors or metadata).")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    std::optional<DiffReport::Format> format;
    if (line.isSet(QStringLiteral("format"))) {
        format = DiffReport::formatNamed(line.value(QStringLiteral("format")));
        if (!format)
            return line.usageError(QStringLiteral("--format takes csv, md or json"));
        if (line.json() && format != DiffReport::Format::Json)
            return line.usageError(
                QStringLiteral("--json and --format %1 ask for two outputs").arg(line.value(QStringLiteral("format"))));
    } else if (line.json()) {
        format = DiffReport::Format::Json;
    }
    const bool json = format == DiffReport::Format::Json; // errors, too, are then a JSON document

    DiffOptions options;
    const auto atol = toleranceValue(line.value(QStringLiteral("atol")));
    const auto rtol = toleranceValue(line.value(QStringLiteral("rtol")));
    if (!atol || !rtol)
        return line.usageError(QStringLiteral("--atol and --rtol take a finite number >= 0"));
    options.tolerance = {*atol, *rtol};
    auto mapper = NameMapper::fromRules(line.values(QStringLiteral("map")));
    if (!mapper)
        return fail(json, mapper.error());
    options.mapper = std::move(*mapper);

    auto a = openModelArgument(line.positional(0), OpenMode::Lenient);
    if (!a)
        return fail(json, a.error());
    auto b = openModelArgument(line.positional(1), OpenMode::Lenient);
    if (!b)
        return fail(json, b.error());
    const bool remote = isRemoteModel(**a) || isRemoteModel(**b);

    // Quantized weights are compared by logical name as their dequantized values (original vs its quantization);
    // a remote model's are dequantized from their fetched parts.
    options.quantizedA = std::make_shared<const QuantCatalog>(quantViewOf(**a).catalog);
    options.quantizedB = std::make_shared<const QuantCatalog>(quantViewOf(**b).catalog);
    TerminalStream out(stdout);
    if (!format)
        out << "A: " << (*a)->path() << "\nB: " << (*b)->path() << "\n\n";
    const std::atomic_bool cancel{false};
    stopBeforeReadIfAsked();
    const auto row = [&](const TensorDiff& d) {
        if (!format)
            printRow(out, d);
    };
    RemoteDiffCost cost;
    auto diff = remote ? diffRemoteModels(**a, **b, options, cancel, {}, row, &cost)
                       : diffModels(**a, **b, options, cancel, {}, row);
    if (!diff)
        return fail(json, diff.error());
    if (remote && !format) // on stderr: what the network cost, apart from the report
        QTextStream(stderr) << cost.pairsBySha256 << " pairs identical by published SHA-256, " << cost.bytesFetched
                            << " tensor bytes fetched\n";

    if (format) {
        const DiffReport report{*diff, options.tolerance, line.positional(0), line.positional(1)};
        const QByteArray bytes = report.render(*format);
        std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
        std::fflush(stdout);
    } else {
        printSummary(out, *diff);
    }
    return diff->equal() || !line.isSet(QStringLiteral("fail-on-diff")) ? ExitOk : ExitInvalid;
}

} // namespace safescope::cli
