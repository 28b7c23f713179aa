#pragma once

#include "core/format/error.h"
#include "core/format/header.h"

namespace safescope {

/// Rules 6 and 7 of SPEC.md section 2: tensors sorted by (begin, end) must tile the data region exactly, each with
/// the byte size its dtype and shape imply. Fills TensorInfo::elementCount. Unknown dtypes (lenient opens) skip
/// the size rules, since their element size is unknown.
Status validateOffsets(Header& header, const QString& path);

} // namespace safescope
