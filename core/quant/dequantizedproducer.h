#pragma once

#include "core/quant/dequantizer.h"
#include "core/values/tensorproducer.h"

#include <memory>
#include <vector>

namespace safescope {

class Model;
struct LogicalTensor;

/// A quantized weight's values as an export writes them (FP8 or MXFP4 to BF16, say): dequantized to float a chunk
/// at a time, then rounded to the output dtype. Holds pointers into the model (or the parts `parts` fetched, held
/// until it is destroyed): keep the Model alive while producing.
class DequantizedProducer final : public TensorProducer
{
public:
    static Result<std::unique_ptr<DequantizedProducer>> create(const Model& model, const LogicalTensor& tensor,
                                                               const TensorBytesFn& parts = {},
                                                               const std::atomic_bool* cancel = nullptr);

    uint64_t elementCount() const override { return m_dequantizer->elementCount(); }
    Status produce(uint64_t first, uint64_t count, DType dtype, unsigned char* out, ConversionImpact* impact) override;

private:
    explicit DequantizedProducer(std::unique_ptr<const Dequantizer> dequantizer) : m_dequantizer(std::move(dequantizer))
    {}

    std::unique_ptr<const Dequantizer> m_dequantizer;
    std::vector<float> m_floats; ///< one chunk, reused
};

} // namespace safescope
