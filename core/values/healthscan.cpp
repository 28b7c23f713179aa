#include "core/values/healthscan.h"

#include "core/edit/metadatarules.h"
#include "core/format/model.h"
#include "core/io/parallelchunks.h"
#include "core/io/sigbusguard.h"
#include "core/text/format.h"
#include "core/text/textutil.h"
#include "core/values/dtypecodec.h"
#include "core/values/duplicatetensors.h"
#include "core/values/healthkernels.h"
#include "core/values/threadscratch.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

namespace safescope {

namespace {

// A block is a multiple of every element size and of F6's 3-byte groups, so element indices stay whole; an item
// (a unit of parallel work, ~4 MiB) is a whole number of blocks, cut the same way in every tensor so that equal
// tensors hash equal.
constexpr uint64_t kBlockBytes = 24576;
constexpr uint64_t kItemBytes = kBlockBytes * 171;
constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();

enum class Path : uint8_t
{
    Skip,   ///< unknown dtype: nothing can be said about its bytes
    Words,  ///< classified from raw words (floats with IEEE-like layouts, integers, BOOL)
    Decoded ///< decoded to float first (packed formats, FNUZ and E8M0 F8, C64)
};

struct TensorPlan
{
    Path path = Path::Skip;
    int width = 0;
    bool floatChecks = false; ///< NaN and Inf mean something
    bool overflowCheck = false;
    WordRule rule;
    std::complex<float> firstDecoded; ///< Decoded: element 0, against which "constant" is judged
    double firstValue = 0.0;          ///< element 0 for the "constant" detail
};

TensorPlan planFor(DType dtype)
{
    TensorPlan plan;
    auto floats = [&](int width, uint64_t absMask, uint64_t infBits, uint64_t nanAbove, uint64_t ovfAbove) {
        plan.path = Path::Words;
        plan.width = width;
        plan.floatChecks = true;
        plan.overflowCheck = ovfAbove < absMask;
        plan.rule.absMask = absMask;
        plan.rule.infEq = infBits;
        plan.rule.nanAbove = nanAbove;
        plan.rule.ovfAbove = ovfAbove;
    };
    switch (dtype) {
    case DType::F32:
        floats(4, 0x7fffffff, 0x7f800000, 0x7f800000, 0x477fe000); // 65504.0f
        break;
    case DType::F64:
        floats(8, 0x7fffffffffffffff, 0x7ff0000000000000, 0x7ff0000000000000, 0x40effc0000000000);
        break;
    case DType::BF16:
        floats(2, 0x7fff, 0x7f80, 0x7f80, 0x477f); // 0x477f is 65280; the next BF16, 65536, is beyond F16
        break;
    case DType::F16:
        floats(2, 0x7fff, 0x7c00, 0x7c00, 0x7fff);
        break;
    case DType::F8_E5M2:
        floats(1, 0x7f, 0x7c, 0x7c, 0x7f);
        break;
    case DType::F8_E4M3:
        floats(1, 0x7f, 0x80, 0x7e, 0x7f); // no infinity (0x80 never survives the mask); 0x7f is NaN
        break;
    case DType::BOOL:
    case DType::U8:
    case DType::I8:
    case DType::I16:
    case DType::U16:
    case DType::I32:
    case DType::U32:
    case DType::I64:
    case DType::U64:
        plan.path = Path::Words;
        plan.width = dtypeBits(dtype) / 8;
        break;
    case DType::Unknown:
        break;
    default:
        plan.path = Path::Decoded;
        plan.floatChecks = true;
        break;
    }
    return plan;
}

struct ItemWork
{
    size_t tensor = 0;
    uint64_t begin = 0; ///< bytes into the tensor
    uint64_t end = 0;
};

struct ItemResult
{
    WordCounts counts;
    uint64_t firstNan = kNone;
    uint64_t firstInf = kNone;
    uint64_t firstOverflow = kNone;
    uint64_t hash = 0;
};

uint64_t combine(uint64_t hash, uint64_t value)
{
    hash = (hash ^ value) * 0x9E3779B97F4A7C15ull;
    return hash ^ (hash >> 31);
}

uint32_t floatBits(float value)
{
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

void lower(uint64_t& first, uint64_t candidate)
{
    first = std::min(first, candidate);
}

// One block of a tensor whose dtype must be decoded: classify each decoded value.
void scanDecodedBlock(DType dtype, const unsigned char* data, uint64_t first, size_t count, const TensorPlan& plan,
                      ItemResult& r)
{
    struct DecodedValues;
    const bool complex = dtype == DType::C64;
    std::complex<float>* complexValues = nullptr; // C64: 8 bytes an element
    float* values = nullptr;                      // F4: two elements a byte
    if (complex) {
        complexValues = threadScratch<std::complex<float>, kBlockBytes / 8, DecodedValues>();
        decodeComplex(data, first, count, complexValues);
    } else {
        values = threadScratch<float, kBlockBytes * 2, DecodedValues>();
        decodeToFloat(dtype, data, first, count, values);
    }
    const uint32_t firstRe = floatBits(plan.firstDecoded.real());
    const uint32_t firstIm = floatBits(plan.firstDecoded.imag());
    for (size_t i = 0; i < count; ++i) {
        const std::complex<float> z = complex ? complexValues[i] : std::complex<float>(values[i], 0.0f);
        const bool nan = std::isnan(z.real()) || std::isnan(z.imag());
        const bool inf = !nan && (std::isinf(z.real()) || std::isinf(z.imag()));
        r.counts.nan += nan;
        r.counts.inf += inf;
        r.counts.nonzero += nan || z.real() != 0.0f || z.imag() != 0.0f;
        r.counts.differing += floatBits(z.real()) != firstRe || floatBits(z.imag()) != firstIm;
        if (nan)
            lower(r.firstNan, first + i);
        if (inf)
            lower(r.firstInf, first + i);
    }
}

void scanItem(const Model& model, const ItemWork& item, const TensorPlan& plan, const unsigned char* data,
              ItemResult& r)
{
    const TensorInfo& tensor = model.tensor(item.tensor);
    const int bits = dtypeBits(tensor.dtype);
    for (uint64_t b = item.begin; b < item.end; b += kBlockBytes) {
        const uint64_t bytes = std::min(kBlockBytes, item.end - b);
        if (plan.path == Path::Decoded) {
            hashBytes(data + b, static_cast<size_t>(bytes), r.hash);
            const uint64_t first = b * 8 / static_cast<uint64_t>(bits);
            const uint64_t count = std::min(bytes * 8 / static_cast<uint64_t>(bits),
                                            tensor.elementCount - std::min(first, tensor.elementCount));
            scanDecodedBlock(tensor.dtype, data, first, static_cast<size_t>(count), plan, r);
            continue;
        }
        const size_t count = static_cast<size_t>(bytes) / static_cast<size_t>(plan.width);
        const WordCounts before = r.counts;
        scanWords(plan.width, data + b, count, plan.rule, r.counts, r.hash);
        if (!plan.floatChecks)
            continue;
        // Rare: only a block known to hold an offending value is searched again, element by element.
        const uint64_t base = b / static_cast<uint64_t>(plan.width);
        if (r.firstNan == kNone && r.counts.nan > before.nan)
            r.firstNan = base + firstWord(plan.width, data + b, count, plan.rule, WordClass::Nan);
        if (r.firstInf == kNone && r.counts.inf > before.inf)
            r.firstInf = base + firstWord(plan.width, data + b, count, plan.rule, WordClass::Inf);
        if (plan.overflowCheck && r.firstOverflow == kNone && r.counts.overflow > before.overflow)
            r.firstOverflow = base + firstWord(plan.width, data + b, count, plan.rule, WordClass::Overflow);
    }
}

// Element 0 of a tensor: what "constant" compares against.
void readFirstValue(TensorPlan& plan, const TensorInfo& t, const unsigned char* data)
{
    if (plan.path == Path::Skip || t.elementCount == 0 || t.byteSize() == 0)
        return;
    decodeToDouble(t.dtype, data, 0, 1, &plan.firstValue);
    if (plan.path == Path::Words) {
        std::memcpy(&plan.rule.first, data, static_cast<size_t>(plan.width)); // little-endian low bytes
    } else if (t.dtype == DType::C64) {
        decodeComplex(data, 0, 1, &plan.firstDecoded);
    } else {
        float value = 0.0f;
        decodeToFloat(t.dtype, data, 0, 1, &value);
        plan.firstDecoded = {value, 0.0f};
    }
}

QString nameOf(const Model& model, size_t index)
{
    const std::string_view name = model.qualifiedName(index);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

HealthProblem problemAt(const Model& model, size_t index, HealthKind kind, uint64_t count,
                        std::optional<uint64_t> firstIndex, QString detail)
{
    HealthProblem p;
    p.kind = kind;
    p.tensor = index;
    p.tensorName = std::string(model.qualifiedName(index));
    p.count = count;
    p.firstIndex = firstIndex;
    p.detail = std::move(detail);
    return p;
}

Error stopped(const Model& model, const std::atomic_bool& cancel)
{
    if (cancel.load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("the value health scan was cancelled"), model.path());
    // Mapped bytes vanished: name the shard that changed when it can be found.
    if (Status changed = model.verifyUnchanged(); !changed)
        return changed.error();
    Error error = chunksStoppedError(QStringLiteral("the value health scan was cancelled"));
    error.path = model.path();
    return error;
}

} // namespace

std::vector<HealthProblem> structuralHealthProblems(const Model& model)
{
    std::vector<HealthProblem> problems;
    if (model.shards().size() == 1) {
        const std::optional<std::vector<MetadataEntry>> metadata =
            model.metadataState() == MetadataState::Object ? std::optional(model.metadata()) : std::nullopt;
        if (lacksFormatKey(metadata)) {
            HealthProblem p;
            p.kind = HealthKind::Metadata;
            p.count = 1;
            p.detail = QStringLiteral("the metadata has no \"format\" key; transformers refuses a single-file "
                                      "checkpoint without it (add format=pt)");
            problems.push_back(std::move(p));
        }
    }
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        const TensorInfo& t = model.tensor(i);
        const int bits = dtypeBits(t.dtype);
        if (bits < 16 || bits % 8 != 0 || t.byteSize() == 0)
            continue; // bytes and packed formats cannot be misaligned
        const uint64_t size = static_cast<uint64_t>(bits / 8);
        const uint64_t offset = model.absoluteOffset(i);
        const uint64_t alignment = offsetAlignment(offset);
        if (alignment >= size)
            continue;
        problems.push_back(problemAt(
            model, i, HealthKind::Misaligned, 1, std::nullopt,
            QStringLiteral("data starts at byte %1 of its file, aligned to %2 only; %3 needs %4: readers must copy it")
                .arg(offset)
                .arg(format::counted(alignment, u"byte", u"bytes"))
                .arg(QLatin1StringView(dtypeName(t.dtype)))
                .arg(size)));
    }
    return problems;
}

Result<HealthReport> scanHealth(const Model& model, const std::atomic_bool& cancel, const HealthProgressFn& progress)
{
    return scanHealth(model, TensorBytesFn(), cancel, progress);
}

Result<HealthReport> scanHealth(const Model& model, const TensorBytesFn& bytes, const std::atomic_bool& cancel,
                                const HealthProgressFn& progress)
{
    const size_t tensorCount = model.tensorCount();
    HealthReport report;
    std::vector<TensorPlan> plans(tensorCount);
    std::vector<ItemWork> items;
    std::vector<size_t> firstItem(tensorCount + 1, 0); // a tensor's items are [firstItem[i], firstItem[i + 1])
    for (size_t i = 0; i < tensorCount; ++i) {
        const TensorInfo& t = model.tensor(i);
        plans[i] = planFor(t.dtype);
        firstItem[i] = items.size();
        if (plans[i].path == Path::Skip)
            continue;
        ++report.tensorsScanned;
        report.bytesScanned += t.byteSize();
        for (uint64_t b = 0; b < t.byteSize(); b += kItemBytes)
            items.push_back({i, b, std::min(t.byteSize(), b + kItemBytes)});
    }
    firstItem[tensorCount] = items.size();

    std::vector<ItemResult> results(items.size());
    std::atomic<uint64_t> done{0};
    const uint64_t total = report.bytesScanned;
    const ProgressFn fraction = [&](double) {
        if (progress)
            progress(done.load(std::memory_order_relaxed), total);
    };
    // Items [begin, end) on all cores; dataOf(i) is where tensor i's bytes are.
    const auto scanItems = [&](size_t begin, size_t end, const auto& dataOf) {
        return parallelChunks(end - begin, 1, cancel, {&fraction, 0.0, 1.0}, [&](int, uint64_t from, uint64_t to) {
            for (uint64_t k = begin + from; k < begin + to; ++k) {
                scanItem(model, items[k], plans[items[k].tensor], dataOf(items[k].tensor), results[k]);
                done.fetch_add(items[k].end - items[k].begin, std::memory_order_relaxed);
            }
        });
    };

    if (bytes) {
        // Not mapped (remote): one tensor at a time, fetched, scanned on all cores, released before the next.
        for (size_t i = 0; i < tensorCount; ++i) {
            if (plans[i].path == Path::Skip || model.tensor(i).byteSize() == 0)
                continue;
            if (cancel.load())
                return stopped(model, cancel);
            auto held = bytes(i, cancel);
            if (!held)
                return held.error();
            readFirstValue(plans[i], model.tensor(i), held->data);
            const unsigned char* data = held->data;
            if (!scanItems(firstItem[i], firstItem[i + 1], [data](size_t) { return data; }))
                return stopped(model, cancel);
        }
    } else {
        // Mapped bytes, so under the guard too.
        const bool firstRead = SigbusGuard::runGuarded([&] {
            for (size_t i = 0; i < tensorCount; ++i)
                readFirstValue(plans[i], model.tensor(i), model.tensorData(i));
        });
        if (!firstRead)
            return stopped(model, cancel);
        if (!scanItems(0, items.size(), [&](size_t i) { return model.tensorData(i); }))
            return stopped(model, cancel);
    }

    // Per tensor: counts summed, first indices lowest, item hashes folded in order.
    std::vector<ItemResult> perTensor(tensorCount);
    std::vector<std::optional<uint64_t>> hashes(tensorCount);
    for (size_t k = 0; k < items.size(); ++k) {
        const ItemResult& r = results[k];
        ItemResult& t = perTensor[items[k].tensor];
        t.counts.nan += r.counts.nan;
        t.counts.inf += r.counts.inf;
        t.counts.nonzero += r.counts.nonzero;
        t.counts.differing += r.counts.differing;
        t.counts.overflow += r.counts.overflow;
        lower(t.firstNan, r.firstNan);
        lower(t.firstInf, r.firstInf);
        lower(t.firstOverflow, r.firstOverflow);
        t.hash = combine(t.hash, r.hash);
        hashes[items[k].tensor] = t.hash;
    }
    for (size_t i = 0; i < tensorCount; ++i) {
        if (hashes[i])
            hashes[i] = combine(*hashes[i], model.tensor(i).byteSize());
    }
    std::optional<Error> fetchFailure;
    auto duplicates = findDuplicateTensors(model, hashes, bytes, cancel, fetchFailure);
    if (fetchFailure)
        return *fetchFailure;
    if (!duplicates)
        return stopped(model, cancel);
    // Every byte read above must come from the files as they were opened.
    if (Status unchanged = model.verifyUnchanged(); !unchanged)
        return unchanged.error();

    report.problems = structuralHealthProblems(model);
    std::vector<bool> uniform(tensorCount, false); // all-zero or constant: already reported as such
    for (size_t i = 0; i < tensorCount; ++i) {
        const TensorPlan& plan = plans[i];
        const TensorInfo& t = model.tensor(i);
        if (plan.path == Path::Skip || t.byteSize() == 0)
            continue;
        const ItemResult& r = perTensor[i];
        const uint64_t n = t.elementCount;
        if (plan.floatChecks && r.counts.nan > 0)
            report.problems.push_back(problemAt(model, i, HealthKind::Nan, r.counts.nan, r.firstNan,
                                                QStringLiteral("%1 of %2, the first at element %3")
                                                    .arg(format::counted(r.counts.nan, u"NaN value", u"NaN values"))
                                                    .arg(n)
                                                    .arg(r.firstNan)));
        if (plan.floatChecks && r.counts.inf > 0)
            report.problems.push_back(
                problemAt(model, i, HealthKind::Inf, r.counts.inf, r.firstInf,
                          QStringLiteral("%1 of %2, the first at element %3")
                              .arg(format::counted(r.counts.inf, u"infinite value", u"infinite values"))
                              .arg(n)
                              .arg(r.firstInf)));
        if (plan.overflowCheck && r.counts.overflow > 0)
            report.problems.push_back(
                problemAt(model, i, HealthKind::F16Overflow, r.counts.overflow, r.firstOverflow,
                          QStringLiteral("%1 beyond F16's range (|x| > 65504), the first at element %2: a cast to "
                                         "F16 turns them into Inf")
                              .arg(format::counted(r.counts.overflow, u"finite value", u"finite values"))
                              .arg(r.firstOverflow)));
        if (n < 2)
            continue; // a single value is trivially "constant"; saying so helps nobody
        const bool allSpecial = plan.floatChecks && r.counts.nan + r.counts.inf == n;
        if (r.counts.nonzero == 0 || (r.counts.differing == 0 && !allSpecial))
            uniform[i] = true;
        if (r.counts.nonzero == 0)
            report.problems.push_back(problemAt(model, i, HealthKind::AllZero, n, std::nullopt,
                                                QStringLiteral("all %1 elements are zero").arg(n)));
        else if (r.counts.differing == 0 && !allSpecial)
            report.problems.push_back(
                problemAt(model, i, HealthKind::Constant, n, std::nullopt,
                          QStringLiteral("all %1 elements are %2").arg(n).arg(plan.firstValue, 0, 'g', 9)));
    }
    for (const std::vector<size_t>& group : *duplicates) {
        // Equal constant tensors (the all-ones norm weights of a fresh model) are copies by necessity, not news.
        if (uniform[group.front()])
            continue;
        for (size_t k = 1; k < group.size(); ++k)
            report.problems.push_back(
                problemAt(model, group[k], HealthKind::Duplicate, group.size(), std::nullopt,
                          QStringLiteral("byte-identical to %1 (same dtype, shape and bytes; %2 in all)")
                              .arg(nameOf(model, group.front()))
                              .arg(format::counted(group.size(), u"copy", u"copies"))));
    }
    // Model-wide findings first, then by tensor in model order, each tensor's kinds in a fixed order.
    std::stable_sort(report.problems.begin(), report.problems.end(),
                     [](const HealthProblem& a, const HealthProblem& b) {
                         const size_t ta = a.tensor ? *a.tensor + 1 : 0;
                         const size_t tb = b.tensor ? *b.tensor + 1 : 0;
                         return ta != tb ? ta < tb : a.kind < b.kind;
                     });
    return report;
}

} // namespace safescope
