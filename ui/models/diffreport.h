#pragma once

#include "core/format/error.h"
#include "core/diff/modeldiff.h"

#include <QByteArray>
#include <QString>

namespace safescope {

/// The diff report in the three export formats. JSON is the CLI's `diff --json` document (diffReportJson); CSV has
/// one line per pair with the same metric names; Markdown is a summary, the changed pairs and the metadata changes
/// for pasting into an issue or a model card.
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
};

} // namespace safescope
