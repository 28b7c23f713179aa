#pragma once

#include "core/format/nameindex.h"
#include "core/format/warning.h"
#include "core/quant/logicaltensor.h"
#include "core/quant/quantconfig.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

class Model;

/// What recogniseQuantized() found: the logical tensors, which stored tensors are their parts, the problems, and
/// the parameter counts users expect. A model with nothing recognised has no logical tensors and equal counts.
struct QuantCatalog
{
    std::vector<LogicalTensor> tensors;
    /// Per stored tensor (model index): true when it is a part of a logical tensor (folded beneath it). The set of
    /// companion names is these tensors' names (the main stored tensor of FP8, int8 and NVFP4 shares the logical
    /// name); each logical tensor lists its own in `parts`.
    std::vector<bool> storedPart;
    /// Parts missing or of the wrong shape/dtype, each naming the tensor; those stored tensors stay as they are.
    std::vector<Warning> problems;
    uint64_t logicalParameters = 0; ///< parts excluded, packed values expanded, plus every unquantized tensor
    uint64_t storedParameters = 0;  ///< element count of all stored tensors

    bool isStoredPart(size_t modelIndex) const { return modelIndex < storedPart.size() && storedPart[modelIndex]; }
    /// Index into `tensors` of the logical tensor with this name (after indexNames()).
    std::optional<size_t> find(std::string_view name) const;
    /// Indexes the logical names for find(); recogniseQuantized() calls it, a catalog filled by hand must too.
    void indexNames();

    /// The model indices of logical tensor `k`'s parts, in the order of its `parts`; empty for a catalog not made
    /// by recogniseQuantized() (a reader then looks the names up). Saves the tree 90,000 name lookups on a
    /// DeepSeek-sized model.
    std::span<const uint32_t> partIndicesOf(size_t k) const
    {
        if (k + 1 >= partStart.size())
            return {};
        return {partIndices.data() + partStart[k], partStart[k + 1] - partStart[k]};
    }
    std::vector<uint32_t> partIndices; ///< every logical tensor's part indices, one range each
    std::vector<uint32_t> partStart;   ///< where each range starts, plus the end: tensors.size() + 1 entries

private:
    NameIndex m_byName;
};

/// Recognises the quantized weights of `model`, guided by `config` (see QUANTIZATION.md). Linear in the number of
/// tensors: one pass over the names, companions looked up through the model's name index; a sharded model of
/// thousands of tensors is passed over in two halves on two threads, with the result of one pass in name order.
/// Reads only the small bitsandbytes quant_state blobs of the data (under SigbusGuard); everything else comes
/// from the headers.
QuantCatalog recogniseQuantized(const Model& model, const QuantConfig& config);

} // namespace safescope
