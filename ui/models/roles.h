#pragma once

#include <Qt>

namespace safescope {

/// Item data roles shared by every SafeScope model: DisplayRole is formatted text, SortRole the raw value.
enum Roles {
    SortRole = Qt::UserRole,
    TensorIndexRole, ///< index into Model::entries(), or -1 for group rows
    FullNameRole,    ///< the qualified tensor name, or the dotted prefix of a group
    RawValueRole,    ///< unabridged text (metadata values)
};

} // namespace safescope
