#pragma once

#include "core/format/error.h"

#include <QString>
#include <QStringList>

namespace safescope::cli {

/// The models `meta` works on, from its PATH arguments. Without `recursive`, each argument is one model as
/// Model::open reads it (a file, an index, or a folder opened as one model). With `recursive`, a folder is walked,
/// symbolic links to folders not followed: every folder holding a *.safetensors.index*.json gives that index (its
/// shards edited as one transaction), every other .safetensors file is a model of its own. Arguments that are not
/// folders are kept as given. A folder that cannot be listed is an error naming it.
Result<QStringList> metaTargets(const QStringList& arguments, bool recursive);

} // namespace safescope::cli
