#pragma once

#include "core/format/error.h"
#include "core/format/header.h"
#include "core/edit/metadataedit.h"

#include <QString>

#include <vector>

namespace safescope {

/// A metadata template: keys to stamp on models before publishing (license, author, modelspec.* fields), kept as a
/// JSON file of one object whose values are all strings, e.g. {"modelspec.author": "me", "modelspec.license":
/// "CC-BY-4.0"}. Strings only, as in `__metadata__` itself, so what a template sets is exactly what a file gets.
struct MetadataTemplate
{
    std::vector<MetadataEntry> entries; ///< the file's order

    /// Reads and checks a template (valid JSON object, string values, keys that validateMetadata accepts); the
    /// error names the file and the offending key.
    static Result<MetadataTemplate> read(const QString& path);
    /// Writes the template as pretty JSON (through a temporary file renamed over `path`).
    Status write(const QString& path) const;
    /// The edit that sets every key of the template (others untouched).
    MetadataEdit edit() const;
};

} // namespace safescope
