#include "core/values/tensorslice.h"

#include "core/values/dtypecodec.h"
#include "core/io/mappedfile.h"
#include "core/io/sigbusguard.h"

#include <QStringList>

namespace safescope {

namespace {

Error invalid(const QString& message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

Status checkWindow(const SliceAddressing& a, uint64_t rowBegin, uint64_t rowCount, uint64_t colBegin, uint64_t colCount)
{
    if (rowBegin > a.rows || rowCount > a.rows - rowBegin)
        return invalid(QStringLiteral("rows %1..%2 are outside the slice's %3 rows")
                           .arg(rowBegin)
                           .arg(rowBegin + rowCount)
                           .arg(a.rows));
    if (colBegin > a.cols || colCount > a.cols - colBegin)
        return invalid(QStringLiteral("columns %1..%2 are outside the slice's %3 columns")
                           .arg(colBegin)
                           .arg(colBegin + colCount)
                           .arg(a.cols));
    return Ok{};
}

Status checkView(const TensorView& view)
{
    const uint64_t bits = static_cast<uint64_t>(dtypeBits(view.dtype));
    if (bits == 0)
        return invalid(QStringLiteral("values of an unknown dtype cannot be decoded"));
    if (view.elementCount > UINT64_MAX / bits || view.byteSize < (view.elementCount * bits + 7) / 8)
        return invalid(QStringLiteral("tensor bytes are shorter than its shape needs"));
    return Ok{};
}

template <typename Visit>
Status forWindow(const TensorView& view, const SliceSpec& spec, uint64_t rowBegin, uint64_t rowCount, uint64_t colBegin,
                 uint64_t colCount, Visit visit)
{
    if (Status ok = checkView(view); !ok)
        return ok;
    Result<SliceAddressing> a = sliceAddressing(spec, view.shape);
    if (!a)
        return a.error();
    if (Status ok = checkWindow(*a, rowBegin, rowCount, colBegin, colCount); !ok)
        return ok;
    const bool read = SigbusGuard::runGuarded([&] {
        for (uint64_t r = 0; r < rowCount; ++r)
            visit(r, a->base + (rowBegin + r) * a->rowStride + colBegin * a->colStride, a->colStride);
    });
    if (!read)
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("the file changed on disk while this slice was being read (it was truncated "
                                        "or rewritten by another program); reload it"));
    return Ok{};
}

} // namespace

SliceSpec defaultSliceSpec(std::span<const uint64_t> shape)
{
    SliceSpec spec;
    spec.index.assign(shape.size(), 0);
    const int rank = static_cast<int>(shape.size());
    if (rank == 1)
        spec.rowDim = 0;
    if (rank >= 2) {
        spec.rowDim = rank - 2;
        spec.colDim = rank - 1;
    }
    return spec;
}

Result<SliceSpec> parseSliceSpec(const QString& text, std::span<const uint64_t> shape)
{
    const QString trimmed = text.trimmed();
    SliceSpec spec;
    spec.index.assign(shape.size(), 0);
    if (shape.empty()) {
        if (!trimmed.isEmpty())
            return invalid(QStringLiteral("a 0-D tensor takes an empty index, not '%1'").arg(trimmed));
        return spec;
    }
    const QStringList items = trimmed.split(QLatin1Char(','));
    if (static_cast<size_t>(items.size()) != shape.size())
        return invalid(QStringLiteral("index '%1' has %2 items but the tensor has %3 axes")
                           .arg(trimmed)
                           .arg(items.size())
                           .arg(shape.size()));
    for (int axis = 0; axis < items.size(); ++axis) {
        const QString item = items[axis].trimmed();
        const uint64_t size = shape[static_cast<size_t>(axis)];
        if (item == QLatin1String(":")) {
            if (spec.rowDim < 0)
                spec.rowDim = axis;
            else if (spec.colDim < 0)
                spec.colDim = axis;
            else
                return invalid(QStringLiteral("index '%1' has more than two ':' (a slice has at most two free axes)")
                                   .arg(trimmed));
            continue;
        }
        bool ok = false;
        const qlonglong value = item.toLongLong(&ok);
        if (!ok)
            return invalid(QStringLiteral("item %1 of index '%2' is '%3', neither an integer nor ':'")
                               .arg(axis + 1)
                               .arg(trimmed, item));
        // Python semantics: -1 is the last index.
        const bool inRange =
            value >= 0 ? static_cast<uint64_t>(value) < size : static_cast<uint64_t>(-(value + 1)) < size;
        if (!inRange)
            return invalid(
                QStringLiteral("index %1 is out of range for axis %2 of size %3").arg(value).arg(axis).arg(size));
        spec.index[static_cast<size_t>(axis)] =
            value >= 0 ? static_cast<uint64_t>(value) : size - static_cast<uint64_t>(-(value + 1)) - 1;
    }
    return spec;
}

QString formatSliceSpec(const SliceSpec& spec)
{
    QStringList items;
    for (size_t axis = 0; axis < spec.index.size(); ++axis) {
        const int a = static_cast<int>(axis);
        items << (a == spec.rowDim || a == spec.colDim ? QStringLiteral(":") : QString::number(spec.index[axis]));
    }
    return items.join(QLatin1Char(','));
}

Result<SliceAddressing> sliceAddressing(const SliceSpec& spec, std::span<const uint64_t> shape)
{
    const int rank = static_cast<int>(shape.size());
    if (spec.index.size() != shape.size())
        return invalid(QStringLiteral("slice has %1 indices for a tensor of %2 axes").arg(spec.index.size()).arg(rank));
    if (spec.rowDim < -1 || spec.rowDim >= rank || spec.colDim < -1 || spec.colDim >= rank ||
        (spec.colDim >= 0 && spec.colDim == spec.rowDim))
        return invalid(QStringLiteral("slice axes %1 and %2 do not fit a tensor of %3 axes")
                           .arg(spec.rowDim)
                           .arg(spec.colDim)
                           .arg(rank));
    SliceAddressing a;
    uint64_t stride = 1;
    for (int axis = rank - 1; axis >= 0; --axis) {
        const uint64_t size = shape[static_cast<size_t>(axis)];
        if (axis == spec.rowDim) {
            a.rowStride = stride;
            a.rows = size;
        } else if (axis == spec.colDim) {
            a.colStride = stride;
            a.cols = size;
        } else {
            if (spec.index[static_cast<size_t>(axis)] >= size)
                return invalid(QStringLiteral("index %1 is out of range for axis %2 of size %3")
                                   .arg(spec.index[static_cast<size_t>(axis)])
                                   .arg(axis)
                                   .arg(size));
            a.base += spec.index[static_cast<size_t>(axis)] * stride;
        }
        stride *= size;
    }
    return a;
}

Status extractWindow(const TensorView& view, const SliceSpec& spec, uint64_t rowBegin, uint64_t rowCount,
                     uint64_t colBegin, uint64_t colCount, double* out)
{
    Status read = forWindow(view, spec, rowBegin, rowCount, colBegin, colCount,
                            [&](uint64_t r, uint64_t first, uint64_t colStride) {
                                double* row = out + r * colCount;
                                if (colStride == 1) {
                                    decodeToDouble(view.dtype, view.data, first, static_cast<size_t>(colCount), row);
                                    return;
                                }
                                for (uint64_t c = 0; c < colCount; ++c)
                                    decodeToDouble(view.dtype, view.data, first + c * colStride, 1, row + c);
                            });
    // Values decoded from bytes that were overwritten meanwhile would be shown as the file's: checked after the read.
    if (read && view.source != nullptr && rowCount > 0 && colCount > 0)
        return view.source->verifyUnchanged();
    return read;
}

Status rawBitsWindow(const TensorView& view, const SliceSpec& spec, uint64_t rowBegin, uint64_t rowCount,
                     uint64_t colBegin, uint64_t colCount, uint64_t* out)
{
    return forWindow(view, spec, rowBegin, rowCount, colBegin, colCount,
                     [&](uint64_t r, uint64_t first, uint64_t colStride) {
                         for (uint64_t c = 0; c < colCount; ++c)
                             out[r * colCount + c] = rawBits(view.dtype, view.data, first + c * colStride);
                     });
}

} // namespace safescope
