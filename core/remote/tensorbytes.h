#pragma once

#include "core/format/error.h"
#include "core/io/parallelchunks.h"
#include "core/values/heldtensorbytes.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorview.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace safescope {

class Dequantizer;
class FetchedTensor;
class Model;
struct LogicalTensor;

/// The bytes behind the values of one stored tensor, wherever its file is: the mapping of a local file (no copy, no
/// wait), or the bytes of a remote one fetched first through FetchedTensor. The one place that decides "local view
/// or fetched view", so statistics, slices, heatmaps and diffs never test for a byte source themselves. Copies share
/// the fetched bytes; a local view stays valid as long as its Model does.
class TensorBytes final
{
public:
    /// True when tensor `index` is read over the network (its shard has a byte source, no mapping).
    static bool isRemote(const Model& model, size_t index);

    /// Every byte of the tensor (statistics, histograms, a whole-slice overview). `progress` is the fraction fetched.
    static Result<TensorBytes> whole(const Model& model, size_t index, const std::atomic_bool* cancel = nullptr,
                                     const ProgressFn& progress = {});
    /// The bytes the window [rowBegin, +rowCount) x [colBegin, +colCount) of slice `spec` reads; a local tensor's
    /// whole mapping (nothing to fetch). `progress` is the fraction fetched.
    static Result<TensorBytes> window(const Model& model, size_t index, const SliceSpec& spec, uint64_t rowBegin,
                                      uint64_t rowCount, uint64_t colBegin, uint64_t colCount,
                                      const std::atomic_bool* cancel = nullptr, const ProgressFn& progress = {});

    /// The bytes of each stored part a Dequantizer reads (Dequantizer::create()): a local part's mapping, a remote
    /// one fetched whole (file-backed from FetchedTensor::kFileBackedBytes, so memory stays bounded) and held for
    /// as long as the caller keeps what it returned. `progress` is the fraction of `totalBytes` fetched over all
    /// the parts asked for; `fetched`, when set, adds up the bytes fetched. `model` must outlive the function.
    static TensorBytesFn parts(const Model& model, uint64_t totalBytes = 0, ProgressFn progress = {},
                               std::shared_ptr<std::atomic<uint64_t>> fetched = {});
    /// The reader of a quantized weight's values over parts(): its stored parts fetched first when the model is
    /// remote (`progress`: the fraction of the parts' bytes fetched), the mappings otherwise. `bytesFetched`, when
    /// set, receives the bytes fetched.
    static Result<std::unique_ptr<const Dequantizer>> dequantizer(const Model& model, const LogicalTensor& tensor,
                                                                  const std::atomic_bool* cancel = nullptr,
                                                                  const ProgressFn& progress = {},
                                                                  uint64_t* bytesFetched = nullptr);

    TensorBytes() = default;

    /// The tensor's view: the mapping, or the fetched buffer (only the fetched pages readable).
    const TensorView& view() const { return m_view; }
    /// Bytes read over the network (or from the block cache) for this view; 0 for a local tensor.
    uint64_t bytesFetched() const;
    bool isFetched() const { return m_fetched != nullptr; }
    /// Keeps the fetched bytes alive (null for a local tensor: its Model keeps the mapping).
    std::shared_ptr<const void> owner() const { return m_fetched; }

private:
    TensorView m_view;
    std::shared_ptr<const FetchedTensor> m_fetched;
};

} // namespace safescope
