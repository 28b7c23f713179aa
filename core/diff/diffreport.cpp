#include "core/diff/diffreport.h"

#include "core/diff/diffreportjson.h"

#include <QFileInfo>
#include <QSaveFile>

#include <cmath>

namespace safescope {

namespace {

QByteArray number(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    return QByteArray::number(value, 'g', 17);
}

QByteArray shapeText(std::span<const uint64_t> shape)
{
    QByteArray out = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        out += (i ? "," : "") + QByteArray::number(static_cast<qulonglong>(shape[i]));
    return out + ']';
}

/// RFC 4180: quote when a field holds a separator, quote or line break.
QByteArray csvField(const QByteArray& text)
{
    if (!text.contains(',') && !text.contains('"') && !text.contains('\n') && !text.contains('\r'))
        return text;
    QByteArray quoted = text;
    quoted.replace('"', "\"\"");
    return '"' + quoted + '"';
}

/// A Markdown table cell cannot hold a pipe (it would end the cell) or a line break (it would end the row). GitHub
/// reads "\|" as a pipe inside a cell; a backslash is escaped first so that a name ending in one does not escape the
/// cell's own pipe.
QByteArray mdCell(const std::string& text)
{
    QByteArray out = QByteArray::fromStdString(text);
    out.replace('\\', "\\\\");
    out.replace('|', "\\|");
    out.replace("\r\n", " ");
    out.replace('\n', ' ');
    out.replace('\r', ' ');
    return out;
}

QByteArray dtypeText(DType dtype, bool present)
{
    if (!present)
        return {};
    const std::string_view name = dtypeName(dtype);
    return QByteArray(name.data(), static_cast<qsizetype>(name.size()));
}

} // namespace

QByteArray DiffReport::csv() const
{
    QByteArray out = "name,name_b,status,dtype_a,dtype_b,shape_a,shape_b,max_abs,mean_abs,rms,rel_l2,cosine,"
                     "beyond_tolerance,nan_mismatch,inf_mismatch,within_tolerance\n";
    for (const TensorDiff& t : diff.tensors) {
        QByteArrayList fields{csvField(QByteArray::fromStdString(t.name)),
                              csvField(QByteArray::fromStdString(t.nameB)),
                              diffStatusName(t.status),
                              dtypeText(t.dtypeA, t.indexA.has_value()),
                              dtypeText(t.dtypeB, t.indexB.has_value()),
                              t.indexA ? csvField(shapeText(t.shapeA)) : QByteArray(),
                              t.indexB ? csvField(shapeText(t.shapeB)) : QByteArray()};
        if (const auto& m = t.metrics) {
            fields << number(m->maxAbs) << number(m->meanAbs) << number(m->rms) << number(m->relL2) << number(m->cosine)
                   << QByteArray::number(static_cast<qulonglong>(m->beyondTolerance))
                   << QByteArray::number(static_cast<qulonglong>(m->nanMismatch))
                   << QByteArray::number(static_cast<qulonglong>(m->infMismatch));
        } else {
            fields << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray() << QByteArray()
                   << QByteArray() << QByteArray();
        }
        fields << (t.withinTolerance() ? "true" : "false");
        out += fields.join(',') + '\n';
    }
    return out;
}

QByteArray DiffReport::json() const
{
    // Names and metadata were validated as UTF-8 when read; "replace" only keeps a report from throwing if not.
    return QByteArray::fromStdString(
               diffReportJson(diff, tolerance).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) +
           '\n';
}

QByteArray DiffReport::markdown() const
{
    const DiffSummary& s = diff.summary;
    QByteArray out = "# Model diff\n\n";
    out += "- A: `" + pathA.toUtf8() + "`\n- B: `" + pathB.toUtf8() + "`\n";
    out += "- Tolerance: atol " + number(tolerance.atol) + ", rtol " + number(tolerance.rtol) + '\n';
    out += "- Result: " + QByteArray(diff.equal() ? "equal within tolerance" : "different") + "\n\n";
    out += "| Status | Pairs |\n|---|---:|\n";
    for (int i = 0; i < kDiffStatusCount; ++i) {
        const auto status = static_cast<DiffStatus>(i);
        out += "| " + QByteArray(diffStatusName(status)) + " | " +
               QByteArray::number(static_cast<qulonglong>(s.count(status))) + " |\n";
    }
    out +=
        "\nParameters changed (beyond tolerance): " + QByteArray::number(static_cast<qulonglong>(s.parametersChanged)) +
        " of " + QByteArray::number(static_cast<qulonglong>(s.parametersA)) + ".\n\n";

    out += "## Changed tensors\n\n";
    QByteArray rows;
    for (const TensorDiff& t : diff.tensors) {
        if (t.withinTolerance())
            continue;
        const auto& m = t.metrics;
        rows += "| " + mdCell(t.name) + " | " + diffStatusName(t.status) + " | " + (m ? number(m->maxAbs) : "") +
                " | " + (m ? number(m->relL2) : "") + " | " + (m ? number(m->cosine) : "") + " |\n";
    }
    out += rows.isEmpty() ? QByteArray("None.\n")
                          : "| Tensor | Status | Max abs | Rel. L2 | Cosine |\n|---|---|---:|---:|---:|\n" + rows;

    out += "\n## Metadata\n\n";
    if (diff.metadata.empty())
        return out + "No changes.\n";
    out += "| Key | Change | A | B |\n|---|---|---|---|\n";
    for (const auto& e : diff.metadata.removed)
        out += "| " + mdCell(e.key) + " | removed | " + mdCell(e.value) + " |  |\n";
    for (const auto& e : diff.metadata.added)
        out += "| " + mdCell(e.key) + " | added |  | " + mdCell(e.value) + " |\n";
    for (const auto& c : diff.metadata.changed)
        out += "| " + mdCell(c.key) + " | changed | " + mdCell(c.valueA) + " | " + mdCell(c.valueB) + " |\n";
    return out;
}

QByteArray DiffReport::render(Format format) const
{
    switch (format) {
    case Format::Csv:
        return csv();
    case Format::Markdown:
        return markdown();
    case Format::Json:
        break;
    }
    return json();
}

Status DiffReport::save(const QString& path, Format format) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(ErrorKind::IoError, QStringLiteral("Cannot write the report: %1").arg(file.errorString()),
                         path);
    const QByteArray bytes = render(format);
    if (file.write(bytes) != bytes.size() || !file.commit())
        return makeError(ErrorKind::IoError, QStringLiteral("Cannot write the report: %1").arg(file.errorString()),
                         path);
    return Ok{};
}

std::optional<DiffReport::Format> DiffReport::formatNamed(const QString& name)
{
    if (name == QLatin1String("csv"))
        return Format::Csv;
    if (name == QLatin1String("json"))
        return Format::Json;
    if (name == QLatin1String("md") || name == QLatin1String("markdown"))
        return Format::Markdown;
    return std::nullopt;
}

DiffReport::Format DiffReport::formatFor(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("csv"))
        return Format::Csv;
    if (suffix == QLatin1String("md") || suffix == QLatin1String("markdown"))
        return Format::Markdown;
    return Format::Json;
}

} // namespace safescope
