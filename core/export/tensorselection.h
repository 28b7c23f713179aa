#pragma once

#include "core/format/error.h"

#include <QStringList>

#include <optional>
#include <string>
#include <vector>

namespace safescope {

class Model;

/// Which tensors an export takes: an explicit list of names (ticked tree nodes), or regular expressions over the
/// qualified names: included when no include pattern is given or one matches (anywhere in the name, like grep),
/// and no exclude pattern matches.
struct SelectionRules
{
    QStringList include;
    QStringList exclude;
    std::optional<std::vector<std::string>> names; ///< when set, exactly these tensors (patterns still exclude)
};

/// Indices into `model` of the selected tensors, in model order. InvalidArgument for a bad pattern (named, with
/// the reason) or a listed name the model lacks.
Result<std::vector<size_t>> selectTensors(const Model& model, const SelectionRules& rules);

} // namespace safescope
