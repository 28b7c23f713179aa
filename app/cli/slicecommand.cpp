// safescope-cli slice: the decoded values of a window of a 2-D slice of one tensor.
#include "commandline.h"
#include "commands.h"
#include "core/format/errorcontext.h"
#include "core/format/model.h"
#include "core/values/tensorslice.h"
#include "crashhook.h"
#include "jsonoutput.h"
#include "modelargument.h"
#include "quantlookup.h"
#include "terminalstream.h"
#include "valuejson.h"

#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

namespace safescope::cli {

namespace {

// "a:b" with Python defaults (":" is all, "a:" to the end); negative bounds count from the end.
std::optional<std::pair<uint64_t, uint64_t>> parseRange(const QString& text, uint64_t size)
{
    const QStringList parts = text.split(QLatin1Char(':'));
    if (parts.size() != 2)
        return std::nullopt;
    auto bound = [&](const QString& part, uint64_t fallback) -> std::optional<uint64_t> {
        if (part.trimmed().isEmpty())
            return fallback;
        bool ok = false;
        const qlonglong v = part.trimmed().toLongLong(&ok);
        if (!ok)
            return std::nullopt;
        const qlonglong resolved = v < 0 ? static_cast<qlonglong>(size) + v : v;
        return static_cast<uint64_t>(std::clamp<qlonglong>(resolved, 0, static_cast<qlonglong>(size)));
    };
    const auto a = bound(parts[0], 0);
    const auto b = bound(parts[1], size);
    if (!a || !b)
        return std::nullopt;
    return std::pair<uint64_t, uint64_t>{*a, std::max(*a, *b)};
}

// The window of a slice of a quantized weight's dequantized values: one read per row when the slice's columns are
// contiguous (the usual last-two-axes slice), else one per element; only the groups the window covers are decoded.
Status dequantizedWindow(const Dequantizer& dequantizer, const SliceAddressing& a, uint64_t rowBegin, uint64_t rowCount,
                         uint64_t colBegin, uint64_t colCount, double* out)
{
    std::vector<float> row(static_cast<size_t>(colCount));
    for (uint64_t r = 0; r < rowCount; ++r) {
        const uint64_t first = a.base + (rowBegin + r) * a.rowStride + colBegin * a.colStride;
        if (a.colStride == 1 || colCount <= 1) {
            if (colCount)
                if (Status ok = dequantizer.read(first, colCount, row.data()); !ok)
                    return ok;
        } else {
            for (uint64_t c = 0; c < colCount; ++c)
                if (Status ok = dequantizer.read(first + c * a.colStride, 1, &row[static_cast<size_t>(c)]); !ok)
                    return ok;
        }
        for (uint64_t c = 0; c < colCount; ++c)
            out[r * colCount + c] = row[static_cast<size_t>(c)];
    }
    return Ok{};
}

Result<int> printSlice(const Model& model, const CommandLine& line)
{
    const QuantView quant = quantViewOf(model);
    Result<ResolvedTensor> resolved =
        resolveTensor(model, quant.catalog, toStd(line.positional(1)), line.isSet(QStringLiteral("raw")));
    if (!resolved)
        return resolved.error();
    const Dequantizer* dequantizer = resolved->dequantizer.get();
    const std::optional<size_t> index = resolved->stored;
    const std::vector<uint64_t> shape = dequantizer ? dequantizer->tensor().shape : viewOf(model, *index).shape;
    const QString indexText = line.isSet(QStringLiteral("index")) ? line.value(QStringLiteral("index"))
                                                                  : formatSliceSpec(defaultSliceSpec(shape));
    Result<SliceSpec> spec = parseSliceSpec(indexText, shape);
    if (!spec)
        return spec.error();
    Result<SliceAddressing> addressing = sliceAddressing(*spec, shape);
    if (!addressing)
        return addressing.error();
    const auto rows = parseRange(line.value(QStringLiteral("rows")), addressing->rows);
    const auto cols = parseRange(line.value(QStringLiteral("cols")), addressing->cols);
    if (!rows || !cols)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("--rows and --cols take a range 'a:b'"));
    const uint64_t rowCount = rows->second - rows->first;
    const uint64_t colCount = cols->second - cols->first;
    constexpr uint64_t kMaxCells = uint64_t(1) << 26; // a window is for reading, not for dumping a whole tensor
    if (colCount && rowCount > kMaxCells / colCount)
        return makeError(
            ErrorKind::InvalidArgument,
            QStringLiteral("window of %1 x %2 values is too large; narrow --rows/--cols").arg(rowCount).arg(colCount));
    std::vector<double> values(static_cast<size_t>(rowCount * colCount));
    stopBeforeReadIfAsked();
    if (dequantizer) {
        if (Status ok = dequantizedWindow(*dequantizer, *addressing, rows->first, rowCount, cols->first, colCount,
                                          values.data());
            !ok)
            return inLogicalTensor(ok.error(), dequantizer->tensor());
    } else if (model.shardOf(*index).file->byteSource()) {
        // Remote: only the pages the window reads are fetched, then read like a mapping.
        auto fetched = FetchedTensor::fetchWindow(model, *index, *spec, rows->first, rowCount, cols->first, colCount);
        if (!fetched)
            return inTensor(fetched.error(), model, *index);
        if (Status ok =
                extractWindow((*fetched)->view(), *spec, rows->first, rowCount, cols->first, colCount, values.data());
            !ok)
            return inTensor(ok.error(), model, *index);
    } else if (Status ok = extractWindow(viewOf(model, *index), *spec, rows->first, rowCount, cols->first, colCount,
                                         values.data());
               !ok) {
        return inTensor(ok.error(), model, *index);
    }

    if (line.json()) {
        nlohmann::json matrix = nlohmann::json::array();
        for (uint64_t r = 0; r < rowCount; ++r) {
            nlohmann::json row = nlohmann::json::array();
            for (uint64_t c = 0; c < colCount; ++c)
                row.push_back(valueJson(values[static_cast<size_t>(r * colCount + c)]));
            matrix.push_back(std::move(row));
        }
        nlohmann::json json{{"shape", {rowCount, colCount}},
                            {"rows", {rows->first, rows->second}},
                            {"cols", {cols->first, cols->second}},
                            {"values", std::move(matrix)}};
        if (dequantizer) { // only then, so the output of plain tensors stays what it was
            json["dequantized"] = true;
            json["scheme"] = quantSchemeName(dequantizer->tensor().scheme);
        }
        printJson(json);
        return ExitOk;
    }
    TerminalStream out(stdout);
    if (dequantizer) // on stderr: stdout stays plain TSV for scripts
        QTextStream(stderr) << "dequantized from " << quantSchemeName(dequantizer->tensor().scheme)
                            << " (stored codes: --raw)\n";
    for (uint64_t r = 0; r < rowCount; ++r) {
        for (uint64_t c = 0; c < colCount; ++c) {
            const double v = values[static_cast<size_t>(r * colCount + c)];
            if (c)
                out << '\t';
            out << (std::isnan(v) ? QStringLiteral("nan") : QString::number(v, 'g', 17));
        }
        out << '\n';
    }
    return ExitOk;
}

} // namespace

int runSlice(const QStringList& arguments)
{
    CommandLine line(QStringLiteral("Decoded values of a window of a 2-D slice of a tensor, as TSV or JSON."),
                     {QStringLiteral("PATH"), QStringLiteral("TENSOR")},
                     {QStringLiteral("A .safetensors file, a *.safetensors.index.json, or a model folder."),
                      QStringLiteral("The tensor's (qualified) name; a quantized weight's logical name gives its "
                                     "dequantized values.")});
    line.parser().addOption(
        {QStringLiteral("raw"), QStringLiteral("The stored codes of a quantized weight (its main stored part).")});
    line.parser().addOption({QStringLiteral("index"),
                             QStringLiteral("Python-like index, one item per axis, ':' for the (at most two) free "
                                            "axes, e.g. \"3,:,:\". Default: the last two axes."),
                             QStringLiteral("INDEX")});
    line.parser().addOption({QStringLiteral("rows"), QStringLiteral("Row range a:b of the slice (default 0:16)."),
                             QStringLiteral("A:B"), QStringLiteral("0:16")});
    line.parser().addOption({QStringLiteral("cols"), QStringLiteral("Column range a:b of the slice (default 0:16)."),
                             QStringLiteral("A:B"), QStringLiteral("0:16")});
    if (const auto exit = line.parse(arguments))
        return *exit;
    auto opened = openModelArgument(line.positional(0), OpenMode::Lenient);
    Result<int> result = opened ? printSlice(**opened, line) : Result<int>(opened.error());
    if (!result) {
        if (line.json())
            printJson(nlohmann::json{{"error", errorJson(result.error())}});
        printError(result.error());
        return exitCodeFor(result.error());
    }
    return *result;
}

} // namespace safescope::cli
