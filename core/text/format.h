#pragma once

#include "core/format/tensorinfo.h"

#include <QString>

#include <cstdint>
#include <span>
#include <utility>

namespace safescope {

/// How people read numbers, in one place for the CLI and the window (so `info` and the Overview print the same
/// text). Fixed English forms, independent of the machine's locale: output is identical everywhere and in tests.
/// Scaled values keep three significant digits ("1.50 KiB", "13.5 GiB", "512 MiB"; "7.24 B" parameters), so a
/// column of sizes has one precision whatever the unit.
namespace format {

QString count(uint64_t value);        ///< "7,241,732,096"
QString signedCount(int64_t value);   ///< "-1,234", "0", "1,234": a count read from a file may be negative
QString compactCount(uint64_t value); ///< "12", "512 K", "7.24 B", "1.10 T" (decimal: K, M, B, T)
/// A count and its noun in the right number: "1 tensor", "1,024 tensors" (the UI is English; see EnglishPlurals).
QString counted(uint64_t value, QStringView singular, QStringView plural);
QString bytes(uint64_t value);                  ///< "512 B", "1.50 KiB", "13.5 GiB" (binary units, up to EiB)
QString shape(std::span<const uint64_t> shape); ///< "[4096, 4096]", "[]" for a scalar
QString dtype(const TensorInfo& tensor);        ///< "BF16", or the unknown name with a marker: "Q4_K (unknown)"
/// "BF16 ×7, F32 ×2": most frequent first.
QString dtypeMix(std::span<const std::pair<DType, uint32_t>> mix);

} // namespace format

} // namespace safescope
