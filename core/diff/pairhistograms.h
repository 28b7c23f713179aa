#pragma once

#include "core/format/error.h"
#include "core/values/histogram.h"
#include "core/values/tensorview.h"

#include <atomic>
#include <cstdint>

namespace safescope {

/// Histograms of one diff pair: A and B over one shared binning (so they can be overlaid), and Δ = A - B.
struct PairHistograms
{
    Histogram a;
    Histogram b;
    Histogram delta;       ///< empty (no edges) when the shapes differ or a side is missing
    uint64_t sampled = 0;  ///< elements read per side
    bool isSample = false; ///< true when the tensors hold more than the cap and every k-th element was read

    /// Decodes at most `cap` elements of each side at the same stride (so Δ pairs matching elements) and bins the
    /// finite ones. A side may be missing (elementCount 0). Fails with FileChanged when the mapping vanished,
    /// Cancelled when cancelled.
    static Result<PairHistograms> compute(const TensorView& a, const TensorView& b, int bins, uint64_t cap,
                                          const std::atomic_bool& cancel);
};

} // namespace safescope
