#pragma once

#include "core/diff/tensordiff.h"

#include <array>
#include <cstdint>

namespace safescope {

/// Totals of a model diff, built up as pairs finish (the UI's summary line, the CLI's last lines).
struct DiffSummary
{
    std::array<uint64_t, kDiffStatusCount> counts{}; ///< pairs per DiffStatus
    uint64_t pairs = 0;
    uint64_t withinTolerance = 0; ///< identical pairs plus compared pairs with no element beyond tolerance
    uint64_t compared = 0;        ///< pairs with metrics
    uint64_t parametersA = 0;     ///< elements of A's tensors
    uint64_t parametersB = 0;
    uint64_t parametersChanged = 0; ///< elements beyond tolerance, over all compared pairs
    /// Elements of the pairs that are not equal within tolerance (added, removed and reshaped tensors included).
    uint64_t parametersInChangedTensors = 0;

    void add(const TensorDiff& diff);
    uint64_t count(DiffStatus status) const { return counts[static_cast<size_t>(status)]; }
    /// Every pair is equal within tolerance: nothing added, removed or reshaped either.
    bool tensorsEqual() const { return withinTolerance == pairs; }
};

} // namespace safescope
