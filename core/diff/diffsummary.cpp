#include "core/diff/diffsummary.h"

#include <algorithm>
#include <numeric>

namespace safescope {

namespace {

uint64_t elements(const std::vector<uint64_t>& shape)
{
    // Shapes come from validated headers, so the product fits.
    return std::accumulate(shape.begin(), shape.end(), uint64_t(1), std::multiplies<>());
}

} // namespace

void DiffSummary::add(const TensorDiff& diff)
{
    ++counts[static_cast<size_t>(diff.status)];
    ++pairs;
    const bool hasA = diff.status != DiffStatus::OnlyInB;
    const bool hasB = diff.status != DiffStatus::OnlyInA;
    const uint64_t countA = hasA ? elements(diff.shapeA) : 0;
    const uint64_t countB = hasB ? elements(diff.shapeB) : 0;
    parametersA += countA;
    parametersB += countB;
    if (diff.metrics) {
        ++compared;
        parametersChanged += diff.metrics->beyondTolerance;
    }
    if (diff.withinTolerance())
        ++withinTolerance;
    else
        parametersInChangedTensors += std::max(countA, countB);
}

} // namespace safescope
