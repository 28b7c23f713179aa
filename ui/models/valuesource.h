#pragma once

#include "core/format/model.h"
#include "core/quant/quantcatalog.h"

#include <cstddef>
#include <span>

namespace safescope {

// The index values pages are given names a model entry, or from model.tensorCount() on a logical tensor of the
// model's QuantCatalog (StatsRunner::logicalIndex()). These two helpers are all a page needs to know about it: the
// shape it shows, and whether the values come from a Dequantizer (the runner and the slice cache decide that).

/// The logical tensor behind `index`, or nullptr for a model entry.
inline const LogicalTensor* logicalTensorOf(const Model& model, const QuantCatalog* quant, size_t index)
{
    if (index < model.tensorCount() || quant == nullptr || index - model.tensorCount() >= quant->tensors.size())
        return nullptr;
    return &quant->tensors[index - model.tensorCount()];
}

/// The shape of the values behind `index`: the logical shape of a quantized weight, else the stored one.
inline std::span<const uint64_t> valueShape(const Model& model, const QuantCatalog* quant, size_t index)
{
    if (const LogicalTensor* logical = logicalTensorOf(model, quant, index))
        return logical->shape;
    return index < model.tensorCount() ? model.tensor(index).shape : std::span<const uint64_t>();
}

} // namespace safescope
