#include "ui/models/slicecsv.h"

#include "core/quant/dequantizedwindow.h"
#include "core/quant/dequantizer.h"
#include "ui/models/cellformat.h"

#include <QIODevice>

#include <algorithm>
#include <bit>
#include <vector>

namespace safescope {

namespace {

// Rows of `cols` values a band holds: about 64 Ki values, whatever the slice's width.
uint64_t bandRows(uint64_t cols)
{
    return std::max<uint64_t>(1, (uint64_t(1) << 16) / std::max<uint64_t>(cols, 1));
}

// Writes a band of `count` rows as CSV lines; `cellText(i)` is the text of the band's i-th value.
template <typename CellText> Status writeBand(QIODevice& out, uint64_t count, uint64_t cols, CellText cellText)
{
    QString text;
    for (uint64_t r = 0; r < count; ++r) {
        for (uint64_t c = 0; c < cols; ++c) {
            if (c)
                text += u',';
            text += cellText(static_cast<size_t>(r * cols + c));
        }
        text += u'\n';
    }
    if (out.write(text.toUtf8()) < 0)
        return makeError(ErrorKind::IoError, out.errorString());
    return Ok{};
}

// The band loop both exports share: cancel between bands, progress after each.
template <typename WriteBandAt>
Status writeBands(uint64_t rows, uint64_t cols, const std::atomic_bool& cancel, const ProgressFn& progress,
                  WriteBandAt writeBandAt)
{
    const uint64_t band = bandRows(cols);
    for (uint64_t row0 = 0; row0 < rows; row0 += band) {
        if (cancel.load())
            return makeError(ErrorKind::Cancelled, QStringLiteral("export cancelled"));
        const uint64_t count = std::min(band, rows - row0);
        if (Status ok = writeBandAt(row0, count); !ok)
            return ok;
        if (progress)
            progress(static_cast<double>(row0 + count) / static_cast<double>(rows));
    }
    return Ok{};
}

} // namespace

Status writeSliceCsv(QIODevice& out, const TensorView& view, const SliceSpec& spec, const std::atomic_bool& cancel,
                     const ProgressFn& progress)
{
    Result<SliceAddressing> addressing = sliceAddressing(spec, view.shape);
    if (!addressing)
        return addressing.error();
    const uint64_t cols = addressing->cols;
    std::vector<double> values;
    std::vector<uint64_t> bits;
    return writeBands(addressing->rows, cols, cancel, progress, [&](uint64_t row0, uint64_t count) -> Status {
        values.resize(static_cast<size_t>(count * cols));
        bits.resize(values.size());
        if (Status ok = extractWindow(view, spec, row0, count, 0, cols, values.data()); !ok)
            return ok;
        if (Status ok = rawBitsWindow(view, spec, row0, count, 0, cols, bits.data()); !ok)
            return ok;
        return writeBand(out, count, cols, [&](size_t i) { return cellformat::exact(view.dtype, values[i], bits[i]); });
    });
}

Status writeSliceCsv(QIODevice& out, const Dequantizer& dequantizer, const SliceSpec& spec,
                     const std::atomic_bool& cancel, const ProgressFn& progress)
{
    Result<SliceAddressing> addressing = sliceAddressing(spec, dequantizer.tensor().shape);
    if (!addressing)
        return addressing.error();
    const uint64_t cols = addressing->cols;
    std::vector<float> values;
    return writeBands(addressing->rows, cols, cancel, progress, [&](uint64_t row0, uint64_t count) -> Status {
        values.resize(static_cast<size_t>(count * cols));
        if (Status ok = readDequantizedWindow(dequantizer, *addressing, row0, count, 0, cols, values.data()); !ok)
            return ok;
        return writeBand(out, count, cols, [&](size_t i) {
            return cellformat::exact(DType::F32, values[i], std::bit_cast<uint32_t>(values[i]));
        });
    });
}

} // namespace safescope
