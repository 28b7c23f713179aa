#include "core/quant/quantcatalog.h"

#include "core/format/model.h"
#include "core/platform/heapprefault.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <system_error>

namespace safescope {

namespace {

// The heap one name fills on average, over a quantized model's names (its logical tensor's name, shape, block and
// list of parts; the part names are the model's own): made resident ahead when the config declares a quantization
// (platform::prefaultHeap); a model without one usually has nothing to recognise. Measured (mallinfo2) on a
// DeepSeek-sized index, where every logical tensor has two parts (the most logical tensors per name of any
// scheme): 117 bytes a name. Every byte prefaulted and not used is a fresh page zeroed for nothing.
constexpr size_t kRecognitionHeapPerName = 150;

bool method(const QuantConfig& config, const char* name)
{
    return config.method == QLatin1String(name);
}

// The parts whose names say which scheme's recogniser looks at them. Anchors are the parts no other layout uses
// under that name, so a name is looked at by one recogniser at most and the pass stays linear.
enum class Anchor
{
    None,
    BnbState, // X.weight.quant_state.bitsandbytes__nf4 / __fp4
    ScaleInv, // X.weight_scale_inv: FP8 block scales
    Scale,    // X.weight_scale: FP8 or NVFP4
    QWeight,  // X.qweight: GPTQ or AWQ
    Blocks,   // X_blocks: MXFP4
    Scb,      // X.SCB: LLM.int8
    Biases    // X.biases: MLX
};

constexpr std::string_view kBnbState = ".weight.quant_state.bitsandbytes__";

/// The anchor `name` is, and the length of its stem (the name without the anchor's suffix).
Anchor anchorOf(std::string_view name, size_t& stem)
{
    static constexpr std::pair<std::string_view, Anchor> kSuffixes[] = {{".weight_scale_inv", Anchor::ScaleInv},
                                                                        {".weight_scale", Anchor::Scale},
                                                                        {".qweight", Anchor::QWeight},
                                                                        {"_blocks", Anchor::Blocks},
                                                                        {".SCB", Anchor::Scb},
                                                                        {".biases", Anchor::Biases}};
    if (const size_t at = name.rfind(kBnbState); at != std::string_view::npos) {
        stem = at;
        return Anchor::BnbState;
    }
    for (const auto& [suffix, anchor] : kSuffixes) {
        if (endsWith(name, suffix)) {
            stem = name.size() - suffix.size();
            return anchor;
        }
    }
    return Anchor::None;
}

// Sends one stored name to the recogniser of the scheme whose anchor it is; false when it is no anchor.
bool dispatch(Recognition& r, std::string_view name)
{
    size_t length = 0;
    const Anchor anchor = anchorOf(name, length);
    const std::string_view stem = name.substr(0, length);
    switch (anchor) {
    case Anchor::None:
        return false;
    case Anchor::BnbState:
        recogniseBnb4(r, stem, name.substr(length + kBnbState.size()));
        return true;
    case Anchor::ScaleInv:
        recogniseFp8Block(r, stem);
        return true;
    case Anchor::Scale: {
        const std::optional<size_t> weight = r.model().find(std::string(stem) + ".weight");
        // NVFP4 keeps E2M1 pairs in a U8 weight; FP8 schemes an F8 weight.
        if (weight && r.model().tensor(*weight).dtype == DType::U8)
            recogniseNvfp4(r, stem);
        else
            recogniseFp8Scaled(r, stem);
        return true;
    }
    case Anchor::QWeight:
        if (method(r.config(), "awq"))
            recogniseAwq(r, stem);
        else if (method(r.config(), "gptq"))
            recogniseGptq(r, stem);
        else
            r.problem(std::string(stem) + ".weight",
                      QStringLiteral("'%1' holds packed integer weights, but no GPTQ or AWQ quantization config "
                                     "was found (config.json, quantize_config.json); they are shown as stored")
                          .arg(nameText(name)));
        return true;
    case Anchor::Blocks:
        recogniseMxfp4(r, stem);
        return true;
    case Anchor::Scb:
        recogniseBnbInt8(r, stem);
        return true;
    case Anchor::Biases:
        recogniseMlx(r, stem);
        return true;
    }
    return false;
}

} // namespace

std::optional<size_t> QuantCatalog::find(std::string_view name) const
{
    if (const auto found = m_byName.find(name, [this](uint32_t k) { return std::string_view(tensors[k].name); }))
        return size_t{*found};
    return std::nullopt;
}

void QuantCatalog::indexNames()
{
    m_byName = NameIndex(static_cast<uint32_t>(tensors.size()),
                         [this](uint32_t k) { return std::string_view(tensors[k].name); });
}

namespace {

/// The names [begin, end) dispatched into `catalog`, whose claims so far (storedPart) stand as an earlier pass left
/// them. `touched`, when given, collects the model indices the result depends on: the anchors dispatched and the
/// stored tensors looked up.
void recogniseRange(const Model& model, const QuantConfig& config, size_t begin, size_t end, QuantCatalog& catalog,
                    std::vector<uint32_t>* touched = nullptr)
{
    Recognition recognition(model, config, catalog);
    recognition.recordFinds(touched);
    for (size_t i = begin; i < end; ++i) {
        if (catalog.storedPart[i])
            continue;
        recognition.setAnchor(i);
        if (dispatch(recognition, model.qualifiedName(i)) && touched != nullptr)
            touched->push_back(static_cast<uint32_t>(i));
    }
}

/// An empty catalog over `model`'s names, with room for the logical tensors of `names` of them.
QuantCatalog emptyCatalog(const Model& model, size_t names)
{
    QuantCatalog catalog;
    catalog.storedPart.assign(model.tensorCount(), false);
    // Every logical tensor claims at least two stored ones (its anchor and its codes), so half the names bound a
    // whole pass's catalog in any layout the recognisers accept: reserved once, it is never moved while it grows.
    // (Counting the anchors first read every name once more: cache misses over a DeepSeek-sized index's 90,000
    // names.) A second half's catalog may claim parts in the first half and outgrow its room: it then just grows.
    // The unused tail is address space only unless it lies in prefaulted heap: recogniseQuantized() shrinks a
    // catalog that filled little of it.
    catalog.tensors.reserve(names / 2 + 1);
    catalog.partStart.reserve(names / 2 + 2);
    catalog.partStart.push_back(0);
    return catalog;
}

/// Where a second thread can start: the first shard boundary at or after the middle of the names; 0 when the model
/// is too small to share or a single file (whose weights and scales are often far apart, sorted by dtype).
size_t secondHalfStart(const Model& model)
{
    constexpr size_t kWorthASecondThread = 8192;
    const size_t count = model.tensorCount();
    if (count < kWorthASecondThread || model.shards().size() < 2)
        return 0;
    for (size_t i = count / 2; i < count; ++i)
        if (model.shardIndexOf(i) != model.shardIndexOf(i - 1))
            return i;
    return 0;
}

/// `second` appended to `first`: the logical tensors, parts and problems in order, and the claims of both.
void append(QuantCatalog& first, QuantCatalog&& second)
{
    const auto offset = static_cast<uint32_t>(first.partIndices.size());
    std::move(second.tensors.begin(), second.tensors.end(), std::back_inserter(first.tensors));
    first.partIndices.insert(first.partIndices.end(), second.partIndices.begin(), second.partIndices.end());
    for (size_t k = 1; k < second.partStart.size(); ++k)
        first.partStart.push_back(second.partStart[k] + offset);
    for (size_t i = 0; i < first.storedPart.size(); ++i)
        if (second.storedPart[i])
            first.storedPart[i] = true;
    std::move(second.problems.begin(), second.problems.end(), std::back_inserter(first.problems));
}

/// One pass over the names, in order: each anchor sees the claims of every anchor before it.
QuantCatalog recogniseInOrder(const Model& model, const QuantConfig& config)
{
    const size_t count = model.tensorCount();
    const size_t heapPerName = config.declared() ? kRecognitionHeapPerName : 0;
    const size_t split = secondHalfStart(model);
    // This thread's names, and the catalog's reservation for half of all names, made resident before the catalog is
    // reserved: reserved first, it lay outside the populated heap and faulted a page at a time as it filled (3,500
    // faults recognising a DeepSeek-sized index, half of them moving the second half's tensors in).
    const size_t catalogBytes = heapPerName > 0 ? (count / 2 + 1) * sizeof(LogicalTensor) : 0;
    platform::prefaultHeap(catalogBytes + (split == 0 ? count : split) * heapPerName);
    QuantCatalog catalog = emptyCatalog(model, count);
    if (split == 0) {
        recogniseRange(model, config, 0, count, catalog);
        return catalog;
    }
    // A sharded model is recognised in two halves at once, split between shards. The first half is exactly what
    // one pass makes of it: its anchors come first. The second half, made without the first's claims, is the
    // same unless it dispatched or looked up a tensor the first half claimed (a weight and its scale on both sides
    // of the split); it is then made again after the first, with its claims, as one pass would.
    std::vector<uint32_t> touched;
    std::future<QuantCatalog> second;
    try {
        second = std::async(std::launch::async, [&] {
            platform::prefaultHeap((count - split) * heapPerName);
            QuantCatalog half = emptyCatalog(model, count - split);
            recogniseRange(model, config, split, count, half, &touched);
            platform::releaseThreadHeap(); // the thread ends: its arena keeps nothing it does not hold
            return half;
        });
    } catch (const std::system_error&) {
        // No thread to be had (a process or thread limit): one pass on this one.
        platform::prefaultHeap((count - split) * heapPerName);
        recogniseRange(model, config, 0, count, catalog);
        return catalog;
    }
    recogniseRange(model, config, 0, split, catalog);
    QuantCatalog half = second.get();
    const bool independent =
        std::none_of(touched.begin(), touched.end(), [&catalog](uint32_t i) { return catalog.storedPart[i]; });
    if (independent)
        append(catalog, std::move(half));
    else
        recogniseRange(model, config, split, count, catalog);
    return catalog;
}

} // namespace

QuantCatalog recogniseQuantized(const Model& model, const QuantConfig& config)
{
    QuantCatalog catalog = recogniseInOrder(model, config);
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        const uint64_t elements = model.tensor(i).elementCount;
        catalog.storedParameters += elements;
        if (!catalog.storedPart[i])
            catalog.logicalParameters += elements;
    }
    for (const LogicalTensor& tensor : catalog.tensors)
        catalog.logicalParameters += tensor.elementCount;
    // The reservation for half the names may lie in heap made resident ahead (platform::prefaultHeap): a catalog
    // that filled little of it (a model with few or no quantized weights) gives it back.
    if (catalog.tensors.capacity() > 2 * catalog.tensors.size() + 64) {
        catalog.tensors.shrink_to_fit();
        catalog.partStart.shrink_to_fit();
    }
    catalog.indexNames();
    return catalog;
}

} // namespace safescope
