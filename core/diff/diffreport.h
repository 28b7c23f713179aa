#pragma once

#include "core/diff/modeldiff.h"
#include "core/format/error.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace safescope {

/// The diff report in its three formats, written here once for the viewer's export and `safescope-cli diff
/// --format csv|md|json` (so both write the same bytes). JSON is diffReportJson's document; CSV (RFC 4180) has one
/// line per pair with the same metric names; Markdown is a summary, the changed pairs and the metadata changes for
/// pasting into an issue or a model card.
struct DiffReport
{
    enum class Format : uint8_t
    {
        Csv,
        Json,
        Markdown
    };

    const ModelDiff& diff;
    DiffTolerance tolerance;
    QString pathA;
    QString pathB;

    QByteArray csv() const;
    QByteArray json() const;
    QByteArray markdown() const;
    QByteArray render(Format format) const;
    /// Written through QSaveFile: the target is replaced only by a complete report.
    Status save(const QString& path, Format format) const;
    /// The format a file name asks for (.csv, .json, .md / .markdown), Json otherwise.
    static Format formatFor(const QString& path);
    /// The format a name on the command line asks for ("csv", "json", "md" or "markdown"); nullopt for others.
    static std::optional<Format> formatNamed(const QString& name);
};

} // namespace safescope
