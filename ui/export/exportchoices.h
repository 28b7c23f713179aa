#pragma once

#include "core/export/exportplan.h"
#include "core/format/error.h"

#include <QString>

#include <cstddef>
#include <string>
#include <vector>

namespace safescope {

class Model;

/// What the export dialog's fields say, as plain values: turned into ExportOptions here, without widgets, so the
/// rules (which tensors, rename lines, shard size, the placeholder output used for previews) are one function the
/// dialog and its tests share.
struct ExportChoices
{
    enum class Tensors
    {
        All,
        MatchingFilter, ///< those the browser's filter shows
        Ticked,         ///< those ticked in the dialog's tree
    };

    Tensors tensors = Tensors::All;
    QString filter;             ///< the browser's filter text (MatchingFilter)
    std::vector<size_t> ticked; ///< tensor indices (Ticked)
    QString include;            ///< a regular expression, or empty
    QString exclude;            ///< a regular expression, or empty
    QString renameRules;        ///< one a line: "s/REGEX/REPL/", "strip:PREFIX" or "add:PREFIX"
    QString dtype;              ///< a target dtype name, or empty to keep dtypes
    bool dropMetadata = false;
    bool sharded = false;
    QString shardSize; ///< "5GB", "500MB", ... when sharded
    QString output;    ///< empty: a placeholder in the temporary folder (names only, for previews)

    /// The options these choices make for `model`, or the reason they are unusable (a bad rename rule or size).
    Result<ExportOptions> toOptions(const Model& model) const;
};

} // namespace safescope
