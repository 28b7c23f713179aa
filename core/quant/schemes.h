#pragma once

#include "core/format/error.h"

#include <memory>
#include <string_view>

namespace safescope {

class Dequantizer;
class Model;
struct PartSource;
class Recognition;
struct LogicalTensor;

// Each scheme's recogniser and reader, one file per scheme (fp8scheme.cpp, gptqscheme.cpp, ...). A recogniser is
// called with the stem of an anchor name (the part every checkpoint of the scheme has); it looks up the other
// parts and either adds a logical tensor or reports why not.

void recogniseFp8Block(Recognition& r, std::string_view stem);  ///< anchor X.weight_scale_inv; stem "X"
void recogniseFp8Scaled(Recognition& r, std::string_view stem); ///< anchor X.weight_scale, F8 weight
void recogniseGptq(Recognition& r, std::string_view stem);      ///< anchor X.qweight
void recogniseAwq(Recognition& r, std::string_view stem);       ///< anchor X.qweight
void recogniseMxfp4(Recognition& r, std::string_view stem);     ///< anchor X_blocks; stem "X"
void recogniseNvfp4(Recognition& r, std::string_view stem);     ///< anchor X.weight_scale, U8 weight
void recogniseBnb4(Recognition& r, std::string_view stem, std::string_view type); ///< X.weight.quant_state...
void recogniseBnbInt8(Recognition& r, std::string_view stem);                     ///< anchor X.SCB
void recogniseMlx(Recognition& r, std::string_view stem);                         ///< anchor X.biases

using DequantizerResult = Result<std::unique_ptr<const Dequantizer>>;
DequantizerResult makeFp8Dequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeGptqDequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeAwqDequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeMxfp4Dequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeNvfp4Dequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeBnb4Dequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeBnbInt8Dequantizer(const PartSource& parts, const LogicalTensor& tensor);
DequantizerResult makeMlxDequantizer(const PartSource& parts, const LogicalTensor& tensor);

} // namespace safescope
