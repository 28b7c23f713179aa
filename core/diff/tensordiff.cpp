#include "core/diff/tensordiff.h"

namespace safescope {

const char* diffStatusName(DiffStatus status)
{
    switch (status) {
    case DiffStatus::OnlyInA:
        return "only_in_a";
    case DiffStatus::OnlyInB:
        return "only_in_b";
    case DiffStatus::ShapeChanged:
        return "shape_changed";
    case DiffStatus::DTypeChanged:
        return "dtype_changed";
    case DiffStatus::Identical:
        return "identical";
    case DiffStatus::ValuesDiffer:
        return "values_differ";
    }
    return "?";
}

std::vector<uint64_t> unravelIndex(uint64_t flat, const std::vector<uint64_t>& shape)
{
    std::vector<uint64_t> position(shape.size(), 0);
    for (size_t d = shape.size(); d-- > 0;) {
        if (shape[d] == 0)
            return position;
        position[d] = flat % shape[d];
        flat /= shape[d];
    }
    return position;
}

} // namespace safescope
