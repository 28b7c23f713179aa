#pragma once

#include "core/format/error.h"
#include "core/diff/tensordiff.h"
#include "core/diff/valuediff.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace safescope {

class Dequantizer;
class Model;

/// One side of a pair read as floats a chunk at a time: a stored tensor decoded, or a quantized weight
/// dequantized. What quantization-error diffs read (the float original against its quantization).
class FloatSource
{
public:
    /// The stored tensor `index` of `model`, decoded.
    static std::unique_ptr<FloatSource> stored(const Model& model, size_t index);
    /// A quantized weight's values.
    static std::unique_ptr<FloatSource> dequantized(std::unique_ptr<const Dequantizer> dequantizer);

    virtual ~FloatSource() = default;
    virtual uint64_t elementCount() const = 0;
    /// Elements [first, first + count) as float; FileChanged when the file shrank underneath.
    virtual Status read(uint64_t first, uint64_t count, float* out) const = 0;
};

/// The metrics of compareValues() between two float sources of the same element count, read chunk by chunk
/// (bounded memory): max |a - b|, mean |a - b|, rms, relative L2 (so SQNR = -20 log10(rel_l2)), cosine and the
/// tolerance counts, by the same rules as compareValues(). Cancelled when `cancel` becomes true.
Result<DiffMetrics> compareFloatSources(const FloatSource& a, const FloatSource& b, const std::vector<uint64_t>& shape,
                                        const DiffTolerance& tolerance, const std::atomic_bool& cancel,
                                        const std::function<void(double)>& progress = {});

/// Signal to quantization-noise ratio in dB from a relative L2 error: +inf for an exact match.
double sqnrDb(double relL2);

} // namespace safescope
