#pragma once

#include <QString>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace safescope {

/// The quantization schemes SafeScope reads as values. The order is stable (the CLI's JSON uses schemeName()).
enum class QuantScheme : uint8_t
{
    Fp8,
    Gptq,
    Awq,
    BnbNf4,
    BnbFp4,
    BnbInt8,
    Mxfp4,
    Nvfp4,
    Mlx
};

/// The stable name of a scheme: "fp8", "gptq", "awq", "bnb_nf4", "bnb_fp4", "bnb_int8", "mxfp4", "nvfp4", "mlx".
const char* quantSchemeName(QuantScheme scheme);

/// One quantized weight seen as the float tensor it stands for: the name and shape a float checkpoint would use,
/// and the stored tensors ("parts") it is computed from. Plain data: QuantCatalog fills it, Dequantizer reads it.
struct LogicalTensor
{
    std::string name; ///< e.g. "model.layers.0.mlp.down_proj.weight"; gpt-oss: "...experts.gate_up_proj"
    QuantScheme scheme = QuantScheme::Fp8;
    int bits = 0;                ///< bits of one stored code
    int groupSize = 0;           ///< elements sharing a scale along a row (0: block or per channel/tensor)
    std::vector<uint64_t> block; ///< [rows, cols] of a block scale (FP8 block), else empty
    std::vector<uint64_t> shape; ///< logical shape, as the reference dequantizer produces it
    uint64_t elementCount = 0;   ///< product of shape
    /// role -> stored tensor name, in a fixed order per scheme ("weight", "scale_inv"; "qweight", "qzeros", ...).
    /// Views, not copies: the role is a string literal, the name the model's own copy of it, valid as long as the
    /// model (whoever reads a catalog's tensors holds their model, whose mapping the parts' bytes are read from).
    /// Copying 90,000 names was a third of the memory, and of the time, of recognising a DeepSeek-sized index.
    std::vector<std::pair<std::string_view, std::string_view>> parts;
    /// Scheme details the reader needs and nothing else does: GPTQ "gptq_v2" (zero stored as is), FP8 scale
    /// layout, the bitsandbytes dtype text.
    std::string variant;
    std::string codeType; ///< FP8: "e4m3" or "e5m2"; bitsandbytes: the original dtype ("bfloat16")
    double offset = 0.0;  ///< bitsandbytes nested_offset

    /// The stored tensor playing `role`, or an empty name.
    std::string_view part(std::string_view role) const
    {
        for (const auto& [r, n] : parts)
            if (r == role)
                return n;
        return {};
    }

    /// Short label for trees and tables: "int4 AWQ g128", "FP8 e4m3 128x128", "MXFP4 g32", "NF4 b64".
    QString badge() const;
};

} // namespace safescope
