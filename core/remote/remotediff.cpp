#include "core/remote/remotediff.h"

#include "core/diff/pairdiff.h"
#include "core/diff/quantpairdiff.h"
#include "core/diff/tensorpairing.h"
#include "core/diff/valuediff.h"
#include "core/format/model.h"
#include "core/io/viewreader.h"
#include "core/publish/filehasher.h"
#include "core/publish/hashcache.h"
#include "core/remote/fetchedtensor.h"
#include "core/remote/tensorbytes.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

namespace safescope {

namespace {

/// The SHA-256 of each shard of a model, computed on first use: published for remote files, from the hash cache
/// or one hash of the file for local ones. Empty when unknown.
class ShardHashes final
{
public:
    explicit ShardHashes(const Model& model) : m_model(model) {}

    QByteArray of(uint32_t shard, const std::atomic_bool& cancel)
    {
        if (const auto found = m_known.find(shard); found != m_known.end())
            return found->second;
        const Model::Shard& s = m_model.shards()[shard];
        QByteArray sha;
        if (const ByteSource* source = s.file->byteSource()) {
            sha = source->sha256();
        } else if (const auto key = HashCacheKey::of(s.path)) {
            HashCache cache;
            if (const auto cached = cache.find(*key, s.path, false)) {
                sha = cached->sha256.toLatin1();
            } else if (auto hashed = hashFile(s.path, HashOptions{false, false}, cancel)) {
                sha = hashed->sha256.toLatin1();
                (void)cache.store({{*key, *hashed}});
            }
        }
        m_known[shard] = sha;
        return sha;
    }

private:
    const Model& m_model;
    std::map<uint32_t, QByteArray> m_known;
};

/// The bytes of tensor `index`: the mapping of a local file, or fetched.
Result<std::pair<TensorView, std::unique_ptr<FetchedTensor>>>
valuesOf(const Model& model, size_t index, const std::atomic_bool& cancel, const ProgressFn& progress)
{
    if (!model.shardOf(index).file->byteSource())
        return std::pair{viewOf(model, index), std::unique_ptr<FetchedTensor>()};
    auto fetched = FetchedTensor::fetchWhole(model, index, &cancel, progress);
    if (!fetched)
        return fetched.error();
    TensorView view = (*fetched)->view();
    return std::pair{view, std::move(*fetched)};
}

} // namespace

Result<ModelDiff> diffRemoteModels(const Model& a, const Model& b, const DiffOptions& options,
                                   const std::atomic_bool& cancel, const RemoteDiffProgressFn& progress,
                                   const TensorDiffFn& onTensor, RemoteDiffCost* cost)
{
    auto paired = pairTensors(a, b, options.mapper);
    if (!paired)
        return paired.error();
    // Quantized weights by logical name, read dequantized from their fetched parts (as diffModels() does locally).
    const std::vector<TensorPair> pairs =
        foldQuantized(std::move(*paired), a, b, options.quantizedA.get(), options.quantizedB.get(), options.mapper);
    auto fetchedA = std::make_shared<std::atomic<uint64_t>>(0);
    auto fetchedB = std::make_shared<std::atomic<uint64_t>>(0);
    const PairSources sources{options.quantizedA.get(), options.quantizedB.get(),
                              TensorBytes::parts(a, 0, {}, fetchedA), TensorBytes::parts(b, 0, {}, fetchedB)};
    // Progress counts each pair's tensor bytes on both sides: a pair found identical by SHA-256 counts at once, a
    // fetched one as its bytes arrive.
    const auto bytesOf = [](const Model& model, const std::optional<size_t>& index) {
        return index ? model.tensor(*index).byteSize() : uint64_t{0};
    };
    uint64_t totalBytes = 0;
    for (const TensorPair& pair : pairs)
        totalBytes += bytesOf(a, pair.a) + bytesOf(b, pair.b);
    uint64_t doneBytes = 0;
    double reported = 0.0;
    const auto report = [&](uint64_t done, uint64_t fetched) {
        if (!progress)
            return;
        reported =
            std::max(reported, totalBytes > 0 ? static_cast<double>(done) / static_cast<double>(totalBytes) : 1.0);
        progress(std::min(reported, 1.0), fetched);
    };
    ModelDiff result;
    result.metadata = diffMetadata(a.metadata(), b.metadata());
    result.tensors.resize(pairs.size());
    ShardHashes hashesA(a);
    ShardHashes hashesB(b);
    RemoteDiffCost spent;
    // A pair of stored tensors: identical by published SHA-256 when it can be, else both fetched and compared.
    const auto compareStored = [&](const TensorPair& pair, TensorDiff& diff) -> Status {
        bool identicalBySha = false;
        if (pair.a && pair.b) {
            const TensorInfo& ta = a.tensor(*pair.a);
            const TensorInfo& tb = b.tensor(*pair.b);
            const bool sameLayout = ta.dtype == tb.dtype && ta.dtype != DType::Unknown &&
                                    std::ranges::equal(ta.shape, tb.shape) &&
                                    a.absoluteOffset(*pair.a) == b.absoluteOffset(*pair.b);
            if (sameLayout) {
                const QByteArray shaB = hashesB.of(b.shardIndexOf(*pair.b), cancel);
                identicalBySha = !shaB.isEmpty() && hashesA.of(a.shardIndexOf(*pair.a), cancel) == shaB;
            }
            if (identicalBySha) {
                diff.status = DiffStatus::Identical;
                diff.dtypeA = diff.dtypeB = ta.dtype;
                diff.shapeA.assign(ta.shape.begin(), ta.shape.end());
                diff.shapeB = diff.shapeA;
                diff.metrics = identicalMetrics(
                    TensorView{ta.dtype, diff.shapeA, ta.elementCount, nullptr, ta.byteSize(), nullptr});
                ++spent.pairsBySha256;
            }
        }
        if (!identicalBySha) {
            std::optional<std::pair<TensorView, std::unique_ptr<FetchedTensor>>> valuesA;
            std::optional<std::pair<TensorView, std::unique_ptr<FetchedTensor>>> valuesB;
            // Only in one model: nothing to read, diffPair classifies from the header.
            const bool both = pair.a && pair.b;
            std::optional<ViewReader> readerA;
            std::optional<ViewReader> readerB;
            for (const bool sideA : {true, false}) {
                const Model& model = sideA ? a : b;
                const std::optional<size_t>& index = sideA ? pair.a : pair.b;
                if (!index)
                    continue;
                const TensorInfo& info = model.tensor(*index);
                const TensorInfo& other =
                    sideA ? (pair.b ? b.tensor(*pair.b) : info) : (pair.a ? a.tensor(*pair.a) : info);
                // What diffPair will read: same shape, and the same dtype (bytes compared) or comparable ones.
                const bool needBytes = both && std::ranges::equal(info.shape, other.shape) &&
                                       (info.dtype == other.dtype || canCompareValues(info.dtype, other.dtype));
                std::optional<ViewReader>& reader = sideA ? readerA : readerB;
                if (!needBytes) {
                    TensorView shapeOnly{info.dtype,        {info.shape.begin(), info.shape.end()},
                                         info.elementCount, nullptr,
                                         info.byteSize(),   nullptr};
                    reader.emplace(shapeOnly);
                    continue;
                }
                // Within a fetch: the part of this side's bytes that arrived.
                const uint64_t before = doneBytes + (sideA ? 0 : bytesOf(a, pair.a));
                const uint64_t size = info.byteSize();
                const uint64_t fetchedBefore = spent.bytesFetched;
                const ProgressFn fetching = [&](double fraction) {
                    const auto arrived = static_cast<uint64_t>(fraction * static_cast<double>(size));
                    report(before + arrived, fetchedBefore + arrived);
                };
                auto values = valuesOf(model, *index, cancel, fetching);
                if (!values)
                    return values.error();
                if (values->second)
                    spent.bytesFetched += values->second->bytesRead();
                reader.emplace(values->first);
                (sideA ? valuesA : valuesB).emplace(std::move(*values));
            }
            if (Status done = diffPair(diff, readerA ? &*readerA : nullptr, readerB ? &*readerB : nullptr,
                                       options.tolerance, cancel);
                !done)
                return done.error();
        }
        return Ok{};
    };
    for (size_t i = 0; i < pairs.size(); ++i) {
        if (cancel)
            return makeError(ErrorKind::Cancelled, QStringLiteral("diff cancelled"));
        const TensorPair& pair = pairs[i];
        TensorDiff& diff = result.tensors[i];
        diff.pair = i;
        diff.indexA = pair.a;
        diff.indexB = pair.b;
        diff.name = pair.a ? pair.nameA : pair.nameB;
        if (pair.a && pair.b && pair.nameB != pair.nameA)
            diff.nameB = pair.nameB;

        const uint64_t quantFetchedBefore = *fetchedA + *fetchedB;
        const Status done = pair.logicalA || pair.logicalB
                                ? diffDequantizedPair(diff, a, b, pair, sources, options.tolerance, cancel)
                                : compareStored(pair, diff);
        if (!done)
            return done.error();
        spent.bytesFetched += *fetchedA + *fetchedB - quantFetchedBefore;
        result.summary.add(diff);
        if (onTensor)
            onTensor(diff);
        doneBytes += bytesOf(a, pair.a) + bytesOf(b, pair.b);
        report(doneBytes, spent.bytesFetched);
    }
    if (Status same = a.verifyUnchanged(); !same)
        return same.error();
    if (Status same = b.verifyUnchanged(); !same)
        return same.error();
    if (cost)
        *cost = spent;
    return result;
}

} // namespace safescope
