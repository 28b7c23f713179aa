#include "ui/models/slicecsv.h"

#include "ui/models/cellformat.h"

#include <QIODevice>

#include <algorithm>
#include <vector>

namespace safescope {

Status writeSliceCsv(QIODevice& out, const TensorView& view, const SliceSpec& spec, const std::atomic_bool& cancel,
                     const ProgressFn& progress)
{
    Result<SliceAddressing> addressing = sliceAddressing(spec, view.shape);
    if (!addressing)
        return addressing.error();
    const uint64_t rows = addressing->rows;
    const uint64_t cols = addressing->cols;
    const uint64_t band = std::max<uint64_t>(1, (uint64_t(1) << 16) / std::max<uint64_t>(cols, 1));
    std::vector<double> values;
    std::vector<uint64_t> bits;
    for (uint64_t row0 = 0; row0 < rows; row0 += band) {
        if (cancel.load())
            return makeError(ErrorKind::Cancelled, QStringLiteral("export cancelled"));
        const uint64_t count = std::min(band, rows - row0);
        values.resize(static_cast<size_t>(count * cols));
        bits.resize(values.size());
        if (Status ok = extractWindow(view, spec, row0, count, 0, cols, values.data()); !ok)
            return ok;
        if (Status ok = rawBitsWindow(view, spec, row0, count, 0, cols, bits.data()); !ok)
            return ok;
        QString text;
        for (uint64_t r = 0; r < count; ++r) {
            for (uint64_t c = 0; c < cols; ++c) {
                const auto i = static_cast<size_t>(r * cols + c);
                if (c)
                    text += u',';
                text += cellformat::exact(view.dtype, values[i], bits[i]);
            }
            text += u'\n';
        }
        if (out.write(text.toUtf8()) < 0)
            return makeError(ErrorKind::IoError, out.errorString());
        if (progress)
            progress(static_cast<double>(row0 + count) / static_cast<double>(rows));
    }
    return Ok{};
}

} // namespace safescope
