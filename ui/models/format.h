#pragma once

#include "core/format/tensorinfo.h"

#include <QString>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace safescope {

/// Text formatting shared by the models and pages, so every view writes numbers the same way.
namespace format {

QString count(uint64_t value);        ///< "7,241,732,096"
QString compactCount(uint64_t value); ///< "7.24 B", "512 K", "12"
/// A count and its noun in the right number: "1 tensor", "1,024 tensors" (the UI is English; see EnglishPlurals).
QString counted(uint64_t value, QStringView singular, QStringView plural);
QString bytes(uint64_t value);                  ///< "13.5 GiB", "512 B"
QString shape(std::span<const uint64_t> shape); ///< "[4096, 4096]", "[]" for a scalar
QString dtype(const TensorInfo& tensor);        ///< "BF16", or the unknown name with a marker
/// "BF16 ×7, F32 ×2": most frequent first.
QString dtypeMix(std::span<const std::pair<DType, uint32_t>> mix);

} // namespace format

} // namespace safescope
