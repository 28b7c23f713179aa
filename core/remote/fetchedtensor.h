#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/remote/guardedbuffer.h"
#include "core/values/heldtensorbytes.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorview.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace safescope {

class Model;

/// The bytes of one tensor of a remote model, fetched before any value is computed, laid out as the tensor is so
/// that the value functions of core/values (statistics, histograms, slices) run unchanged on view(). Only the
/// pages a request needed are readable (GuardedBuffer): reading a byte that was not fetched faults.
class FetchedTensor final
{
public:
    /// Every byte of tensor `index` (statistics, histograms), fetched with several ranges in flight.
    static Result<std::unique_ptr<FetchedTensor>> fetchWhole(const Model& model, size_t index,
                                                             const std::atomic_bool* cancel = nullptr,
                                                             const ProgressFn& progress = {});
    /// The bytes the window [rowBegin, +rowCount) x [colBegin, +colCount) of slice `spec` reads (extractWindow());
    /// `progress` is the fraction of those bytes fetched.
    static Result<std::unique_ptr<FetchedTensor>> fetchWindow(const Model& model, size_t index, const SliceSpec& spec,
                                                              uint64_t rowBegin, uint64_t rowCount, uint64_t colBegin,
                                                              uint64_t colCount,
                                                              const std::atomic_bool* cancel = nullptr,
                                                              const ProgressFn& progress = {});

    /// For the passes over every tensor of a remote model (health scan): each tensor fetched whole when asked for,
    /// held until the pass lets it go. `model` must outlive the function.
    static TensorBytesFn wholeTensorBytes(const Model& model);

    /// The tensor's view over the fetched bytes (no file behind it: nothing can change under it).
    const TensorView& view() const { return m_view; }
    /// Bytes of the tensor that were fetched (or found in the cache): page-rounded sizes of the ranges asked.
    uint64_t bytesRead() const { return m_bytesRead; }

    /// From this size up a fetch is backed by a temporary file in the cache folder rather than anonymous memory
    /// (GuardedBuffer), so a tensor larger than RAM can be fetched whole: its pages are file cache the kernel evicts.
    static constexpr uint64_t kFileBackedBytes = uint64_t{16} << 20;

    /// Byte ranges [begin, end) of a tensor that a window of a slice reads, merged and sorted.
    static std::vector<std::pair<uint64_t, uint64_t>> windowRanges(const TensorView& shape, const SliceAddressing& a,
                                                                   uint64_t rowBegin, uint64_t rowCount,
                                                                   uint64_t colBegin, uint64_t colCount);

private:
    explicit FetchedTensor(GuardedBuffer buffer) : m_buffer(std::move(buffer)) {}
    static Result<std::unique_ptr<FetchedTensor>> fetch(const Model& model, size_t index,
                                                        std::vector<std::pair<uint64_t, uint64_t>> ranges,
                                                        const std::atomic_bool* cancel, const ProgressFn& progress);

    GuardedBuffer m_buffer;
    TensorView m_view;
    uint64_t m_bytesRead = 0;
};

} // namespace safescope
