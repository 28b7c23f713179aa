#pragma once

#include "core/format/error.h"
#include "core/quant/logicaltensor.h"

#include <cstdint>
#include <memory>

namespace safescope {

class Model;

/// Reads a logical tensor's values, dequantized on demand from its stored parts: only the stored bytes a range of
/// elements needs are touched, and nothing larger than the caller's buffer is ever materialised. Pages ask this
/// for values and never learn which scheme is behind it. Holds pointers into the model's mappings: keep the Model
/// alive while a Dequantizer is used. Thread-safe (const, no mutable state).
class Dequantizer
{
public:
    /// The reader for `tensor` (from recogniseQuantized() on the same model). Fails with InvalidArgument when a
    /// part is missing or its contents cannot be used (a GPTQ g_idx pointing outside the groups).
    static Result<std::unique_ptr<const Dequantizer>> create(const Model& model, const LogicalTensor& tensor);

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

protected:
    Dequantizer(LogicalTensor tensor, QString path) : m_tensor(std::move(tensor)), m_path(std::move(path)) {}

private:
    LogicalTensor m_tensor;
    QString m_path; ///< the file of the main part, for error messages
};

} // namespace safescope
