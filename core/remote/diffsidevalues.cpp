#include "core/remote/diffsidevalues.h"

#include "core/format/model.h"
#include "core/io/sigbusguard.h"
#include "core/quant/dequantizer.h"
#include "core/quant/quantcatalog.h"
#include "core/remote/tensorbytes.h"

#include <algorithm>

namespace safescope::diffside {

const LogicalTensor* quantizedWeightOf(const QuantCatalog* quant, const TensorDiff& diff, bool sideA)
{
    const std::string& scheme = sideA ? diff.schemeA : diff.schemeB;
    if (!quant || scheme.empty())
        return nullptr;
    const std::string& name = sideA || diff.nameB.empty() ? diff.name : diff.nameB;
    const std::optional<size_t> logical = quant->find(name);
    return logical ? &quant->tensors[*logical] : nullptr;
}

Result<PairHistograms::Side> histogramSide(const std::shared_ptr<const Model>& model, const QuantCatalog* quant,
                                           const TensorDiff& diff, bool sideA, const std::atomic_bool& cancel)
{
    const std::optional<size_t> index = sideA ? diff.indexA : diff.indexB;
    PairHistograms::Side side;
    if (!index)
        return side;
    if (const LogicalTensor* logical = quantizedWeightOf(quant, diff, sideA)) {
        auto made = TensorBytes::dequantizer(*model, *logical, &cancel);
        if (!made)
            return made.error();
        std::shared_ptr<const Dequantizer> dequantizer = std::move(*made);
        side.elements = dequantizer->elementCount();
        // The model stays alive with the reader: the dequantizer may read its mappings.
        side.read = [dequantizer, model, path = model->shardOf(*index).path](uint64_t first, uint64_t stride,
                                                                             uint64_t count, double* out) -> Status {
            std::vector<float> values(count);
            const bool completed = SigbusGuard::runGuarded([&] { // one guard for the run, as decode() expects
                PairHistograms::Side::walk(first, stride, count, [&](uint64_t at, uint64_t n, uint64_t into) {
                    dequantizer->decode(at, n, values.data() + into);
                });
            });
            if (!completed)
                return makeError(ErrorKind::FileChanged,
                                 QStringLiteral("the file changed while '%1' was being read")
                                     .arg(QString::fromStdString(dequantizer->tensor().name)),
                                 path);
            std::copy(values.begin(), values.end(), out);
            return Ok{};
        };
        return side;
    }
    Result<TensorBytes> bytes = TensorBytes::whole(*model, *index, &cancel);
    if (!bytes)
        return bytes.error();
    // A fetched tensor's bytes are held by their owner; a local one's mapping by the model.
    const std::shared_ptr<const void> keep = bytes->isFetched() ? bytes->owner() : std::shared_ptr<const void>(model);
    return PairHistograms::Side::ofView(bytes->view(), keep, model->shardOf(*index).path);
}

Result<std::shared_ptr<const std::vector<float>>> dequantizeWhole(const Model& model, const LogicalTensor& tensor,
                                                                  const std::atomic_bool& cancel)
{
    if (tensor.elementCount > kMaxDequantizedElements)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("'%1' has %2 values: more than the %3 million the slice view dequantizes at "
                                        "once; its statistics and the pair's metrics are exact")
                             .arg(QString::fromStdString(tensor.name))
                             .arg(tensor.elementCount)
                             .arg(kMaxDequantizedElements >> 20));
    auto made = TensorBytes::dequantizer(model, tensor, &cancel);
    if (!made)
        return made.error();
    auto values = std::make_shared<std::vector<float>>(tensor.elementCount);
    // In pieces, so Cancel is seen within a few milliseconds.
    constexpr uint64_t kPiece = uint64_t(1) << 20;
    for (uint64_t first = 0; first < tensor.elementCount; first += kPiece) {
        if (cancel.load(std::memory_order_relaxed))
            return makeError(ErrorKind::Cancelled, QStringLiteral("Cancelled."));
        const uint64_t count = std::min(kPiece, tensor.elementCount - first);
        if (Status read = (*made)->read(first, count, values->data() + first); !read)
            return read.error();
    }
    return std::shared_ptr<const std::vector<float>>(std::move(values));
}

} // namespace safescope::diffside
