#pragma once

#include "core/format/error.h"
#include "core/values/histogram.h"
#include "core/values/tensorview.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace safescope {

/// Histograms of one diff pair: A and B over one shared binning (so they can be overlaid), and Δ = A - B.
struct PairHistograms
{
    Histogram a;
    Histogram b;
    Histogram delta;       ///< empty (no edges) when the shapes differ or a side is missing
    uint64_t sampled = 0;  ///< elements read per side
    bool isSample = false; ///< true when the tensors hold more than the cap and every k-th element was read

    /// One side as it is read: `elements` values, `read(first, stride, count, out)` decoding elements first,
    /// first + stride, ... (`count` of them). A missing side has no elements.
    struct Side
    {
        uint64_t elements = 0;
        std::function<Status(uint64_t first, uint64_t stride, uint64_t count, double* out)> read;

        /// A stored tensor's bytes, held by `keep` while the side is read (`path` names the file in errors); no
        /// elements when they cannot be decoded (missing, unknown or complex dtype).
        static Side ofView(const TensorView& view, std::shared_ptr<const void> keep = {}, const QString& path = {});

        /// How a reader walks a strided run: decode(at, n, into) for elements [at, at + n) into out[into...], once
        /// for a contiguous run, else once per element.
        template <typename Decode> static void walk(uint64_t first, uint64_t stride, uint64_t count, Decode&& decode)
        {
            if (stride == 1) {
                decode(first, count, uint64_t{0});
                return;
            }
            for (uint64_t i = 0; i < count; ++i)
                decode(first + i * stride, uint64_t{1}, i);
        }
    };

    /// Decodes at most `cap` elements of each side at the same stride (so Δ pairs matching elements) and bins the
    /// finite ones; Δ only when `sameShape`. Fails with what a read failed with (FileChanged when the mapping
    /// vanished), Cancelled when cancelled.
    static Result<PairHistograms> compute(const Side& a, const Side& b, bool sameShape, int bins, uint64_t cap,
                                          const std::atomic_bool& cancel);
    /// The same over two stored tensors' views (a side may be missing: elementCount 0).
    static Result<PairHistograms> compute(const TensorView& a, const TensorView& b, int bins, uint64_t cap,
                                          const std::atomic_bool& cancel);
};

} // namespace safescope
