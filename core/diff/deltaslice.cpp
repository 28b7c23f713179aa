#include "core/diff/deltaslice.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace safescope::deltaslice {

namespace {

Error invalid(const QString& message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

} // namespace

QString incompatibility(const TensorView& a, const TensorView& b)
{
    if (!a.data || !b.data)
        return QStringLiteral("the tensor is only in one of the models");
    if (a.shape != b.shape)
        return QStringLiteral("the shapes differ, so elements do not correspond");
    // A complex tensor decodes to its real part: a difference of real parts would look meaningful and is not.
    for (DType dtype : {a.dtype, b.dtype}) {
        if (dtype == DType::Unknown || dtype == DType::C64)
            return QStringLiteral("%1 values have no real difference to show")
                .arg(QString::fromLatin1(dtypeName(dtype).data(), static_cast<qsizetype>(dtypeName(dtype).size())));
    }
    return {};
}

Status extractWindow(const TensorView& a, const TensorView& b, const SliceSpec& spec, uint64_t rowBegin,
                     uint64_t rowCount, uint64_t colBegin, uint64_t colCount, double* delta, double* aOut, double* bOut)
{
    if (const QString why = incompatibility(a, b); !why.isEmpty())
        return invalid(why);
    const size_t n = static_cast<size_t>(rowCount * colCount);
    std::vector<double> scratchA;
    std::vector<double> scratchB;
    if (!aOut) {
        scratchA.resize(n);
        aOut = scratchA.data();
    }
    if (!bOut) {
        scratchB.resize(n);
        bOut = scratchB.data();
    }
    if (Status ok = safescope::extractWindow(a, spec, rowBegin, rowCount, colBegin, colCount, aOut); !ok)
        return ok;
    if (Status ok = safescope::extractWindow(b, spec, rowBegin, rowCount, colBegin, colCount, bOut); !ok)
        return ok;
    for (size_t i = 0; i < n; ++i)
        delta[i] = aOut[i] - bOut[i];
    return Ok{};
}

Result<Downsampled> downsample(const TensorView& a, const TensorView& b, const SliceSpec& spec, IndexRange rows,
                               IndexRange cols, uint64_t outRows, uint64_t outCols, Reduction reduction,
                               const std::atomic_bool& cancel, const ProgressFn& progress)
{
    if (outRows == 0 || outCols == 0)
        return invalid(QStringLiteral("downsampling needs at least one output cell"));
    // Validates both views, the spec and the window without reading anything (a 0 x 0 window).
    if (Status ok = extractWindow(a, b, spec, rows.begin, 0, cols.begin, 0, nullptr); !ok)
        return ok.error();
    const Result<SliceAddressing> addressing = sliceAddressing(spec, a.shape);
    if (rows.count > addressing->rows - rows.begin || cols.count > addressing->cols - cols.begin)
        return invalid(QStringLiteral("downsampling window is outside the slice"));

    return downsampleRows(
        rows, cols, outRows, outCols, reduction, cancel, progress,
        [&](uint64_t row, uint64_t col, uint64_t width, double* out) {
            // Each worker decodes A and B into its own scratch; the reader runs concurrently.
            thread_local std::vector<double> sideA;
            thread_local std::vector<double> sideB;
            sideA.resize(static_cast<size_t>(width));
            sideB.resize(static_cast<size_t>(width));
            return extractWindow(a, b, spec, row, 1, col, width, out, sideA.data(), sideB.data()).ok();
        });
}

} // namespace safescope::deltaslice
