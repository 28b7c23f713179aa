// safescope-cli diff: two checkpoints compared tensor by tensor.
#include "commandline.h"
#include "commands.h"
#include "core/diff/diffreportjson.h"
#include "core/diff/modeldiff.h"
#include "core/diff/quantpairdiff.h"
#include "core/format/model.h"
#include "core/remote/remotediff.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "quantlookup.h"
#include "terminalstream.h"

#include <cmath>
#include <memory>

namespace safescope::cli {

namespace {

QString shapeText(std::span<const uint64_t> shape)
{
    QStringList dims;
    for (uint64_t d : shape)
        dims << QString::number(d);
    return QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']');
}

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
    QString shape = shapeText(hasA ? d.shapeA : d.shapeB);
    if (hasA && hasB && d.shapeA != d.shapeB)
        shape += QStringLiteral(" -> ") + shapeText(d.shapeB);

    out << QString::fromLatin1(diffStatusName(d.status)).leftJustified(14) << name << "  " << type << ' ' << shape;
    if (const auto& m = d.metrics; m && d.status != DiffStatus::Identical) {
        out << "\n              max|d| " << num(m->maxAbs) << " at " << shapeText(m->maxAbsPosition) << "  mean|d| "
            << num(m->meanAbs) << "  rms " << num(m->rms) << "  rel_l2 " << num(m->relL2) << "  cosine "
            << QString::number(m->cosine, 'g', 9) << "  beyond " << grouped(m->beyondTolerance);
        if (m->nanMismatch || m->infMismatch)
            out << "  nan_mismatch " << grouped(m->nanMismatch) << "  inf_mismatch " << grouped(m->infMismatch);
        if (!d.schemeA.empty() || !d.schemeB.empty())
            out << "  sqnr_db " << num(sqnrDb(m->relL2));
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
    out << "\n" << grouped(s.pairs) << " tensor pairs:";
    for (int k = 0; k < kDiffStatusCount; ++k) {
        const auto status = static_cast<DiffStatus>(k);
        if (s.count(status))
            out << ' ' << diffStatusName(status) << ' ' << grouped(s.count(status)) << ',';
    }
    out << " within tolerance " << grouped(s.withinTolerance) << '\n';
    out << "parameters: A " << grouped(s.parametersA) << ", B " << grouped(s.parametersB) << ", changed "
        << grouped(s.parametersChanged) << " (in changed tensors " << grouped(s.parametersInChangedTensors) << ")\n";
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

int fail(const CommandLine& line, const Error& error)
{
    if (line.json())
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
    parser.addOption({QStringLiteral("fail-on-diff"),
                      QStringLiteral("Exit with 1 when the models differ beyond tolerance (tensors or metadata).")});
    if (const auto exit = line.parse(arguments))
        return *exit;

    DiffOptions options;
    const auto atol = toleranceValue(line.value(QStringLiteral("atol")));
    const auto rtol = toleranceValue(line.value(QStringLiteral("rtol")));
    if (!atol || !rtol)
        return line.usageError(QStringLiteral("--atol and --rtol take a finite number >= 0"));
    options.tolerance = {*atol, *rtol};
    auto mapper = NameMapper::fromRules(line.values(QStringLiteral("map")));
    if (!mapper)
        return fail(line, mapper.error());
    options.mapper = std::move(*mapper);

    auto a = openModelArgument(line.positional(0), OpenMode::Lenient);
    if (!a)
        return fail(line, a.error());
    auto b = openModelArgument(line.positional(1), OpenMode::Lenient);
    if (!b)
        return fail(line, b.error());
    const bool remote = isRemoteModel(**a) || isRemoteModel(**b);

    // Quantized weights are compared by logical name as their dequantized values (original vs its quantization).
    if (!remote) { // a remote model's quantized weights are compared as stored
        options.quantizedA = std::make_shared<const QuantCatalog>(quantViewOf(**a).catalog);
        options.quantizedB = std::make_shared<const QuantCatalog>(quantViewOf(**b).catalog);
    }
    TerminalStream out(stdout);
    if (!line.json())
        out << "A: " << (*a)->path() << "\nB: " << (*b)->path() << "\n\n";
    const std::atomic_bool cancel{false};
    stopBeforeReadIfAsked();
    const auto row = [&](const TensorDiff& d) {
        if (!line.json())
            printRow(out, d);
    };
    RemoteDiffCost cost;
    auto diff = remote ? diffRemoteModels(**a, **b, options, cancel, row, &cost)
                       : diffModels(**a, **b, options, cancel, {}, row);
    if (!diff)
        return fail(line, diff.error());
    if (remote && !line.json()) // on stderr: what the network cost, apart from the report
        QTextStream(stderr) << cost.pairsBySha256 << " pairs identical by published SHA-256, " << cost.bytesFetched
                            << " tensor bytes fetched\n";

    if (line.json())
        printJson(diffReportJson(*diff, options.tolerance));
    else
        printSummary(out, *diff);
    return diff->equal() || !line.isSet(QStringLiteral("fail-on-diff")) ? ExitOk : ExitInvalid;
}

} // namespace safescope::cli
