#pragma once

#include "core/format/dtype.h"
#include "core/export/dtypeconversion.h"
#include "core/format/error.h"

#include <cstdint>

namespace safescope {

/// The bytes of one output tensor made chunk by chunk instead of copied from a stored tensor (an export's
/// dequantized logical tensor): writers ask for element ranges in order and never hold the whole tensor.
class TensorProducer
{
public:
    virtual ~TensorProducer() = default;

    virtual uint64_t elementCount() const = 0;

    /// Writes elements [first, first + count) in `dtype` (F32, F16, BF16 or an F8) into `out`; adds to `impact`
    /// when it is not null. FileChanged when a source shrank underneath.
    virtual Status produce(uint64_t first, uint64_t count, DType dtype, unsigned char* out,
                           ConversionImpact* impact) = 0;
};

} // namespace safescope
