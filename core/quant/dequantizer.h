#pragma once

#include "core/format/error.h"
#include "core/quant/logicaltensor.h"
#include "core/values/heldtensorbytes.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace safescope {

class Model;

/// How a scheme offers statistics by counting codes instead of decoding values: the tensor cut into `segments`
/// runs of elements whose values depend only on the code and on what the run shares (an FP8 scale block, the
/// zero point and scale of one GPTQ group of one output). Statistics do not depend on order, so a segment may be
/// any such run, in any order.
struct CodeLayout
{
    int codes = 0;                ///< distinct codes (256 for FP8, 16 for int4); 0 when counting is not offered
    uint64_t segments = 0;        ///< segments, numbered 0..segments - 1
    uint64_t segmentElements = 0; ///< the most elements one segment holds (< 65,536: counts are 16-bit)
    /// When > 0, segmentKeys() names each segment by a key below this and an offset: code c of the segment has the
    /// value of entry offset + c of its key's row of keyCodes values (GPTQ: the key is a 16-bit scale's bits and
    /// the entry q - zero + 16, whose value (q - zero) * scale depends on nothing else). So counts can be added up
    /// per key, in a table small enough for the cache.
    uint64_t keys = 0;
    int keyCodes = 0;
    /// Consecutive segments whose codes share the same stored rows (a row of FP8 block pieces, a GPTQ group's
    /// outputs): statistics cut their chunks at multiples of it where a row is not much longer than a chunk and
    /// there are rows enough for every core, so that each chunk reads the rows it touches whole and once.
    uint64_t segmentsPerRow = 1;
};

/// Reads a logical tensor's values, dequantized on demand from its stored parts: only the stored bytes a range of
/// elements needs are touched, and nothing larger than the caller's buffer is ever materialised. Pages ask this
/// for values and never learn which scheme is behind it. Holds pointers into the model's mappings, or holds the
/// fetched parts of a remote model: keep the Model alive while a Dequantizer is used. Thread-safe (const, no
/// mutable state).
class Dequantizer
{
public:
    /// The reader for `tensor` (from recogniseQuantized() on the same model). Fails with InvalidArgument when a
    /// part is missing or its contents cannot be used (a GPTQ g_idx pointing outside the groups). The parts are read
    /// from the mappings, or through `parts` when given (a remote model: TensorBytes::parts() fetches each whole,
    /// and the Dequantizer holds the buffers); `cancel` stops such fetches (Cancelled).
    static Result<std::unique_ptr<const Dequantizer>> create(const Model& model, const LogicalTensor& tensor,
                                                             const TensorBytesFn& parts = {},
                                                             const std::atomic_bool* cancel = nullptr);

    virtual ~Dequantizer() = default;
    Dequantizer(const Dequantizer&) = delete;
    Dequantizer& operator=(const Dequantizer&) = delete;

    const LogicalTensor& tensor() const { return m_tensor; }
    uint64_t elementCount() const { return m_tensor.elementCount; }

    /// Elements [first, first + count) of the logical tensor in row-major order, as float. Runs under SigbusGuard:
    /// FileChanged when the file shrank underneath; InvalidArgument when the range is outside the tensor.
    Status read(uint64_t first, uint64_t count, float* out) const;

    /// The same without the guard and the range check, for callers already inside SigbusGuard (parallelChunks).
    virtual void decode(uint64_t first, uint64_t count, float* out) const = 0;

    /// Elements [first, first + count) of a fixed permutation of the tensor: the order the stored codes lie in,
    /// which reads memory sequentially where the logical order strides across it (GPTQ packs down columns). For
    /// statistics, which do not depend on order. Unguarded like decode(); the default is decode() itself.
    virtual void decodeStoredOrder(uint64_t first, uint64_t count, float* out) const { decode(first, count, out); }

    /// The segments this scheme's codes can be counted in; codes == 0 (the default) when it offers none.
    virtual CodeLayout codeLayout() const { return {}; }
    /// Adds the code counts of segments [first, first + count) to counts[(s - first) * codes + code]. Unguarded
    /// like decode(); only called when codeLayout() offers counting.
    virtual void countCodes(uint64_t first, uint64_t count, uint16_t* counts) const;
    /// The value of every code in `segment`, exactly as decode() computes it for an element of that segment.
    virtual void segmentValues(uint64_t segment, float* values) const;
    /// The keys and row offsets of segments [first, first + count) into keys[s - first] and offsets[s - first];
    /// only called when codeLayout() offers keys. Unguarded like decode().
    virtual void segmentKeys(uint64_t first, uint64_t count, uint32_t* keys, uint32_t* offsets) const;
    /// Adds the code counts of segments [first, first + count) to table[key * keyCodes + offset + code] of each
    /// segment's key and offset, and sets seen[key]; only called when codeLayout() offers keys. Unguarded like
    /// decode(). The default counts with countCodes() and segmentKeys(); a scheme may add its counters straight to the
    /// table.
    virtual void countCodesByKey(uint64_t first, uint64_t count, uint32_t* table, uint8_t* seen) const;
    /// The keyCodes values of `key`'s row, exactly as segmentValues() gives them to the codes that land there.
    virtual void keyValues(uint32_t key, float* values) const;

protected:
    Dequantizer(LogicalTensor tensor, QString path) : m_tensor(std::move(tensor)), m_path(std::move(path)) {}

private:
    LogicalTensor m_tensor;
    QString m_path; ///< the file of the main part, for error messages
};

} // namespace safescope
