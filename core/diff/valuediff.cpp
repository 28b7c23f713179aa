#include "core/diff/valuediff.h"

#include "core/diff/diffkernels.h"
#include "core/values/dtypecodec.h"
#include "core/values/threadscratch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace safescope {

namespace {

constexpr uint64_t kChunkElements = uint64_t(1) << 20;
constexpr uint64_t kCompareChunkBytes = uint64_t(4) << 20;

// Float holds every value of these exactly, so decoding to float loses nothing and halves the memory traffic.
bool floatExact(DType dtype)
{
    switch (dtype) {
    case DType::I32:
    case DType::U32:
    case DType::I64:
    case DType::U64:
    case DType::F64:
    case DType::Unknown:
        return false;
    default:
        return true;
    }
}

// One side of the comparison as a stream of float or double elements, read piece by piece.
struct Side
{
    const ViewReader* reader = nullptr;
    DType dtype = DType::Unknown; // F32 for C64 viewed as its parts
    uint64_t bits = 0;

    // Elements [first, end) of the side, first a multiple of kDiffBlock (so a whole byte for any element size).
    const unsigned char* bytes(uint64_t first, uint64_t end, const ViewReader::Buffer& buffer, bool copy) const
    {
        return reader->read(first * bits / 8, (end * bits + 7) / 8 - first * bits / 8, buffer.data(), copy);
    }
    // Whether elements [first, end) are read by copying them from the file (see ViewReader).
    bool copies(uint64_t first, uint64_t end) const
    {
        return reader->shouldCopy(first * bits / 8, (end * bits + 7) / 8 - first * bits / 8);
    }

    // Elements [first, first + n) of a piece read at `piece`, as `type`: in place for F32/F64, decoded otherwise.
    const unsigned char* fetch(const unsigned char* piece, ElementType type, uint64_t first, size_t n,
                               void* buffer) const
    {
        if (type == ElementType::Float) {
            if (dtype == DType::F32)
                return piece + 4 * first;
            decodeToFloat(dtype, piece, first, n, static_cast<float*>(buffer));
        } else {
            if (dtype == DType::F64)
                return piece + 8 * first;
            decodeToDouble(dtype, piece, first, n, static_cast<double*>(buffer));
        }
        return static_cast<const unsigned char*>(buffer);
    }
};

// Elements per piece read at once: whole diff blocks filling at most one read buffer.
uint64_t pieceElements(uint64_t bits)
{
    return kDiffBlock * std::max<uint64_t>(1, ViewReader::Buffer::kBytes * 8 / (bits * kDiffBlock));
}

DiffSums compareRange(const Side& a, const Side& b, ElementType type, uint64_t begin, uint64_t end,
                      const DiffTolerance& tolerance)
{
    struct SideA;
    struct SideB;
    double* bufferA = threadScratch<double, kDiffBlock, SideA>();
    double* bufferB = threadScratch<double, kDiffBlock, SideB>();
    DiffSums sums;
    const bool bf16 = a.dtype == DType::BF16 && b.dtype == DType::BF16;
    const bool copyA = a.copies(begin, end);
    const bool copyB = b.copies(begin, end);
    const ViewReader::Buffer rawA, rawB;
    const uint64_t step = std::min(pieceElements(a.bits), pieceElements(b.bits));
    for (uint64_t piece = begin; piece < end; piece += step) {
        const uint64_t pieceEnd = std::min(end, piece + step);
        const unsigned char* pa = a.bytes(piece, pieceEnd, rawA, copyA);
        const unsigned char* pb = b.bytes(piece, pieceEnd, rawB, copyB);
        for (uint64_t first = piece; first < pieceEnd; first += kDiffBlock) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(kDiffBlock, pieceEnd - first));
            const uint64_t local = first - piece;
            if (bf16) {
                diffBlockBf16(pa + 2 * local, pb + 2 * local, n, first, tolerance.atol, tolerance.rtol, sums);
                continue;
            }
            const unsigned char* da = a.fetch(pa, type, local, n, bufferA);
            const unsigned char* db = b.fetch(pb, type, local, n, bufferB);
            diffBlock(type, da, db, n, first, tolerance.atol, tolerance.rtol, sums);
        }
    }
    return sums;
}

DiffMetrics metricsFrom(const DiffSums& s, const TensorView& view, bool complexParts)
{
    DiffMetrics m;
    m.count = view.elementCount;
    m.finitePairs = complexParts ? s.finite / 2 : s.finite;
    m.beyondTolerance = s.beyond;
    m.nanMismatch = s.nanMismatch;
    m.infMismatch = s.infMismatch;
    if (s.finite > 0) {
        const double n = static_cast<double>(s.finite);
        const double sumSq = s.sumSq.value();
        const double normA = std::sqrt(s.sumSqA.value());
        const double normB = std::sqrt(s.sumSqB.value());
        m.maxAbs = s.maxAbs;
        m.maxAbsIndex = complexParts ? s.maxIndex / 2 : s.maxIndex;
        m.meanAbs = s.sumAbs.value() / n;
        m.rms = std::sqrt(sumSq / n);
        m.relL2 = normA > 0.0 ? std::sqrt(sumSq) / normA : sumSq > 0.0 ? HUGE_VAL : 0.0;
        if (normA > 0.0 && normB > 0.0)
            m.cosine = std::clamp(s.dot.value() / (normA * normB), -1.0, 1.0);
        else
            m.cosine = normA == normB ? 1.0 : std::numeric_limits<double>::quiet_NaN();
    }
    m.maxAbsPosition = unravelIndex(m.maxAbsIndex, view.shape);
    return m;
}

Error cancelled()
{
    return makeError(ErrorKind::Cancelled, QStringLiteral("comparison cancelled"));
}

} // namespace

bool canCompareValues(DType a, DType b, std::string* why)
{
    auto fail = [&](const char* reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (a == DType::Unknown || b == DType::Unknown)
        return fail("unknown dtype: values cannot be decoded");
    if ((a == DType::C64) != (b == DType::C64))
        return fail("complex against real: values not compared");
    return true;
}

Result<bool> sameBytes(const TensorView& a, const TensorView& b, const std::atomic_bool& cancel,
                       const ProgressPhase& progress, bool parallel)
{
    return sameBytes(ViewReader(a), ViewReader(b), cancel, progress, parallel);
}

Result<bool> sameBytes(const ViewReader& a, const ViewReader& b, const std::atomic_bool& cancel,
                       const ProgressPhase& progress, bool parallel)
{
    const uint64_t size = a.view().byteSize;
    if (size != b.view().byteSize)
        return false;
    std::atomic_bool differs{false};
    auto compare = [&](int, uint64_t begin, uint64_t end) {
        if (differs.load(std::memory_order_relaxed))
            return;
        const bool copyA = a.shouldCopy(begin, end - begin);
        const bool copyB = b.shouldCopy(begin, end - begin);
        const ViewReader::Buffer bufferA, bufferB;
        // Piece by piece even in place: a difference then stops the comparison within a piece of where it is.
        for (uint64_t piece = begin; piece < end; piece += ViewReader::Buffer::kBytes) {
            const uint64_t n = std::min(end - piece, ViewReader::Buffer::kBytes);
            if (std::memcmp(a.read(piece, n, bufferA.data(), copyA), b.read(piece, n, bufferB.data(), copyB),
                            static_cast<size_t>(n)) != 0) {
                differs.store(true, std::memory_order_relaxed);
                return;
            }
        }
    };
    if (parallel) {
        if (!parallelChunks(size, kCompareChunkBytes, cancel, progress, compare))
            return chunksStoppedError(QStringLiteral("comparison cancelled"));
    } else {
        for (uint64_t begin = 0; begin < size && !differs; begin += kCompareChunkBytes) {
            if (cancel.load(std::memory_order_relaxed))
                return cancelled();
            compare(0, begin, std::min(size, begin + kCompareChunkBytes));
        }
    }
    return !differs.load();
}

Result<DiffMetrics> compareValues(const TensorView& a, const TensorView& b, const DiffTolerance& tolerance,
                                  const std::atomic_bool& cancel, const ProgressPhase& progress, bool parallel)
{
    return compareValues(ViewReader(a), ViewReader(b), tolerance, cancel, progress, parallel);
}

Result<DiffMetrics> compareValues(const ViewReader& readerA, const ViewReader& readerB, const DiffTolerance& tolerance,
                                  const std::atomic_bool& cancel, const ProgressPhase& progress, bool parallel)
{
    const TensorView& a = readerA.view();
    const TensorView& b = readerB.view();
    std::string why;
    if (!canCompareValues(a.dtype, b.dtype, &why))
        return makeError(ErrorKind::InvalidArgument, QString::fromStdString(why));
    if (a.elementCount != b.elementCount)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("element counts differ (%1 and %2)").arg(a.elementCount).arg(b.elementCount));

    const bool complexParts = a.dtype == DType::C64;
    const uint64_t total = complexParts ? 2 * a.elementCount : a.elementCount;
    const DType dtypeA = complexParts ? DType::F32 : a.dtype;
    const DType dtypeB = complexParts ? DType::F32 : b.dtype;
    const Side sa{&readerA, dtypeA, static_cast<uint64_t>(dtypeBits(dtypeA))};
    const Side sb{&readerB, dtypeB, static_cast<uint64_t>(dtypeBits(dtypeB))};
    const ElementType type = floatExact(a.dtype) && floatExact(b.dtype) ? ElementType::Float : ElementType::Double;

    // One result per chunk, merged in chunk order: the sums then do not depend on which thread ran what.
    const uint64_t chunkCount = (total + kChunkElements - 1) / kChunkElements;
    std::vector<DiffSums> chunks(static_cast<size_t>(chunkCount));
    auto run = [&](int, uint64_t begin, uint64_t end) {
        chunks[static_cast<size_t>(begin / kChunkElements)] = compareRange(sa, sb, type, begin, end, tolerance);
    };
    if (parallel) {
        if (!parallelChunks(total, kChunkElements, cancel, progress, run))
            return chunksStoppedError(QStringLiteral("comparison cancelled"));
    } else {
        for (uint64_t begin = 0; begin < total; begin += kChunkElements) {
            if (cancel.load(std::memory_order_relaxed))
                return cancelled();
            run(0, begin, std::min(total, begin + kChunkElements));
        }
    }
    DiffSums sums;
    for (const DiffSums& chunk : chunks)
        sums.merge(chunk);
    return metricsFrom(sums, a, complexParts);
}

DiffMetrics identicalMetrics(const TensorView& view)
{
    DiffMetrics m;
    m.count = view.elementCount;
    m.finitePairs = view.elementCount;
    m.maxAbsPosition = unravelIndex(0, view.shape);
    return m;
}

} // namespace safescope
