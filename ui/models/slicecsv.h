#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/values/tensorslice.h"

#include <atomic>

class QIODevice;

namespace safescope {

class Dequantizer;

/// Writes a whole 2-D slice as CSV (one line per row, full-precision values, no header) to `out`, decoding a band
/// of rows at a time so memory stays small whatever the slice size.
Status writeSliceCsv(QIODevice& out, const TensorView& view, const SliceSpec& spec, const std::atomic_bool& cancel,
                     const ProgressFn& progress = {});
/// The same for a logical (quantized) tensor's slice, as the values it means: each value dequantized to float and
/// written with the shortest text that reads back to that float.
Status writeSliceCsv(QIODevice& out, const Dequantizer& dequantizer, const SliceSpec& spec,
                     const std::atomic_bool& cancel, const ProgressFn& progress = {});

} // namespace safescope
