#pragma once

#include "core/format/header.h"

#include <QStringList>

#include <vector>

namespace safescope {

class MetadataModel;

/// Edits of many keys at once on the metadata page, each pushed as one undo step (a QUndoStack macro), so one Undo
/// takes the whole edit back and the usual save summary lists every key it touched.

/// Removes the header rows whose keys are training data (trainingDataKeys(), core/publish/trainingdata.h); returns the keys
/// removed (none: nothing pushed).
QStringList stripTrainingData(MetadataModel* model);

/// Sets every key of `entries`: a value replaced where the header has the key, a row added where not. Returns the
/// reason when a key is refused (nothing pushed then), else empty.
QString applyMetadataTemplate(MetadataModel* model, const std::vector<MetadataEntry>& entries);

/// The header keys a template keeps by default: modelspec.* fields that describe an author's models in general
/// (not title, date, hash_sha256, thumbnail, which belong to one file) plus "license" and "author".
std::vector<MetadataEntry> templateKeysOf(const MetadataModel& model);

} // namespace safescope
