#pragma once

#include "core/diff/tensordiff.h"
#include "core/diff/valuediff.h"
#include "core/format/error.h"
#include "core/values/heldtensorbytes.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace safescope {

class Dequantizer;
class Model;
struct QuantCatalog;
struct TensorPair;

/// One side of a pair read as floats a chunk at a time: a stored tensor decoded, or a quantized weight
/// dequantized. What quantization-error diffs read (the float original against its quantization).
class FloatSource
{
public:
    /// The stored tensor `index` of `model`, decoded: from its mapping, or from `held` (a remote tensor's fetched
    /// bytes, kept alive by the source).
    static std::unique_ptr<FloatSource> stored(const Model& model, size_t index, HeldTensorBytes held = {});
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

/// Signal to quantization-noise ratio in dB, 10 log10(||A||^2 / ||A - B||^2): +inf for an exact match, -inf when
/// a value is NaN or infinite on one side only (a lost value is an unbounded error), NaN when no pair is finite.
double sqnrDb(const DiffMetrics& metrics);

/// Where the two sides of a pair read their values: each model's quantized weights (recogniseQuantized()), and
/// each model's stored bytes: the mappings when `bytes` is empty, else fetched (TensorBytes::parts() of a remote
/// model, so a remote quantized weight is dequantized from its fetched parts).
struct PairSources
{
    const QuantCatalog* quantA = nullptr;
    const QuantCatalog* quantB = nullptr;
    TensorBytesFn bytesA;
    TensorBytesFn bytesB;
};

/// A pair with at least one quantized side (foldQuantized()): both sides read as floats chunk by chunk and the
/// quantization error measured (compareFloatSources()); a side only in one model is listed under its logical name
/// and shape. A side that cannot be read (a missing part) gives the pair a note, not an error; errors are
/// FileChanged, a failed fetch, or Cancelled.
Status diffDequantizedPair(TensorDiff& diff, const Model& a, const Model& b, const TensorPair& pair,
                           const PairSources& sources, const DiffTolerance& tolerance, const std::atomic_bool& cancel);

} // namespace safescope
