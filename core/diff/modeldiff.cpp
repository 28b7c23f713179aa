#include "core/diff/modeldiff.h"

#include "core/diff/pairdiff.h"
#include "core/diff/quantpairdiff.h"
#include "core/diff/tensorpairing.h"
#include "core/format/model.h"
#include "core/io/viewreader.h"
#include "core/quant/dequantizer.h"
#include "core/quant/quantcatalog.h"

#include <algorithm>

namespace safescope {

namespace {

// Pairs at least this large get all cores inside them; smaller ones are spread over the cores a few at a time,
// since starting threads for a 4 KiB layer norm would cost more than comparing it.
constexpr uint64_t kLargePairBytes = uint64_t(8) << 20;
constexpr uint64_t kBatchBytes = uint64_t(64) << 20;
constexpr size_t kBatchPairs = 4096;

struct PairViews
{
    std::optional<ViewReader> a;
    std::optional<ViewReader> b;
    uint64_t bytes = 0;       ///< work estimate: both sides' bytes, plus one so empty tensors count
    bool dequantized = false; ///< a side is a quantized weight: compared as floats by diffDequantizedPair()
};

} // namespace

Result<ModelDiff> diffModels(const Model& a, const Model& b, const DiffOptions& options, const std::atomic_bool& cancel,
                             const ProgressFn& progress, const TensorDiffFn& onTensor)
{
    Result<std::vector<TensorPair>> paired = pairTensors(a, b, options.mapper);
    if (!paired)
        return paired.error();
    const std::vector<TensorPair> pairs =
        foldQuantized(std::move(*paired), a, b, options.quantizedA.get(), options.quantizedB.get(), options.mapper);

    ModelDiff result;
    result.metadata = diffMetadata(a.metadata(), b.metadata());
    result.tensors.resize(pairs.size());
    std::vector<PairViews> views(pairs.size());
    uint64_t totalBytes = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        TensorDiff& diff = result.tensors[i];
        diff.pair = i;
        diff.indexA = pairs[i].a;
        diff.indexB = pairs[i].b;
        diff.name = pairs[i].a ? pairs[i].nameA : pairs[i].nameB;
        if (pairs[i].a && pairs[i].nameB != pairs[i].nameA)
            diff.nameB = pairs[i].nameB;
        PairViews& v = views[i];
        if (pairs[i].logicalA || pairs[i].logicalB) {
            v.dequantized = true;
            const uint64_t elements = pairs[i].logicalB ? options.quantizedB->tensors[*pairs[i].logicalB].elementCount
                                                        : options.quantizedA->tensors[*pairs[i].logicalA].elementCount;
            v.bytes = 1 + (pairs[i].a && pairs[i].b ? 8 * elements : 0); // two floats per element
            totalBytes += v.bytes;
            continue;
        }
        if (pairs[i].a)
            v.a = readerOf(a, *pairs[i].a);
        if (pairs[i].b)
            v.b = readerOf(b, *pairs[i].b);
        v.bytes = 1 + (v.a && v.b ? v.a->view().byteSize + v.b->view().byteSize : 0);
        totalBytes += v.bytes;
    }

    uint64_t doneBytes = 0;
    auto finish = [&](size_t i) {
        const TensorDiff& diff = result.tensors[i];
        result.summary.add(diff);
        if (onTensor)
            onTensor(diff);
        doneBytes += views[i].bytes;
        if (progress)
            progress(static_cast<double>(doneBytes) / static_cast<double>(totalBytes));
    };
    auto run = [&](size_t i, const ProgressPhase& phase, bool parallel) {
        const PairViews& v = views[i];
        if (v.dequantized)
            return diffDequantizedPair(result.tensors[i], a, b, pairs[i],
                                       {options.quantizedA.get(), options.quantizedB.get(), {}, {}}, options.tolerance,
                                       cancel);
        return diffPair(result.tensors[i], v.a ? &*v.a : nullptr, v.b ? &*v.b : nullptr, options.tolerance, cancel,
                        phase, parallel);
    };
    // FileChanged when a shard shrank under a worker (SigbusGuard), otherwise the user cancelled.
    const auto cancelled = [] { return chunksStoppedError(QStringLiteral("diff cancelled")); };

    for (size_t i = 0; i < pairs.size();) {
        if (views[i].dequantized) { // its own chunked loop; errors (FileChanged) are reported as they are
            if (Status done = run(i, {}, false); !done)
                return done.error();
            finish(i++);
            continue;
        }
        if (views[i].bytes >= kLargePairBytes) {
            const double base = static_cast<double>(doneBytes) / static_cast<double>(totalBytes);
            const double span = static_cast<double>(views[i].bytes) / static_cast<double>(totalBytes);
            if (!run(i, {&progress, base, span}, true))
                return cancelled();
            finish(i++);
            continue;
        }
        size_t end = i;
        uint64_t batchBytes = 0;
        while (end < pairs.size() && !views[end].dequantized && views[end].bytes < kLargePairBytes &&
               batchBytes < kBatchBytes && end - i < kBatchPairs)
            batchBytes += views[end++].bytes;
        // Each worker takes whole pairs; diffPair only fails when cancelled, which parallelChunks reports.
        const bool completed = parallelChunks(end - i, 1, cancel, {}, [&](int, uint64_t first, uint64_t last) {
            for (uint64_t k = first; k < last; ++k)
                (void)run(i + static_cast<size_t>(k), {}, false);
        });
        if (!completed || cancel.load())
            return cancelled();
        while (i < end)
            finish(i++);
    }
    // Pairs read while a file was overwritten in place compare two versions: the whole diff is discarded.
    if (Status same = a.verifyUnchanged(); !same)
        return same.error();
    if (Status same = b.verifyUnchanged(); !same)
        return same.error();
    return result;
}

} // namespace safescope
