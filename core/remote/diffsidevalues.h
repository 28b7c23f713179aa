#pragma once

#include "core/diff/pairhistograms.h"
#include "core/diff/tensordiff.h"
#include "core/format/error.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace safescope {

class Model;
struct LogicalTensor;
struct QuantCatalog;

/// How the views of one diff pair (overlaid histograms, the Δ slice) read a side: a stored tensor's bytes (its
/// mapping, or fetched whole when remote), or a quantized weight's values, dequantized from its stored parts (fetched
/// first when remote). A quantized side is never shown as its stored codes.
namespace diffside {

/// At most this many elements of a quantized weight are dequantized into memory for the Δ slice (512 MiB of F32).
constexpr uint64_t kMaxDequantizedElements = uint64_t(128) << 20;

/// The quantized weight a side stands for (its logical name found in `quant`), or null for a stored tensor.
const LogicalTensor* quantizedWeightOf(const QuantCatalog* quant, const TensorDiff& diff, bool sideA);

/// The side as the histograms read it, streaming (a quantized weight is dequantized as it is sampled). A side the
/// pair lacks has no elements. Errors: a failed fetch, a part that cannot be read, Cancelled.
Result<PairHistograms::Side> histogramSide(const std::shared_ptr<const Model>& model, const QuantCatalog* quant,
                                           const TensorDiff& diff, bool sideA, const std::atomic_bool& cancel);

/// A quantized weight's values as F32, for the Δ slice's tables and heatmap: InvalidArgument naming the tensor
/// when it has more than kMaxDequantizedElements.
Result<std::shared_ptr<const std::vector<float>>> dequantizeWhole(const Model& model, const LogicalTensor& tensor,
                                                                  const std::atomic_bool& cancel);

} // namespace diffside

} // namespace safescope
