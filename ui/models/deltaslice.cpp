#include "ui/models/deltaslice.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace safescope::deltaslice {

namespace {

constexpr uint64_t kColumnPiece = 8192; // decoded columns per side held at once per thread

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

    Downsampled result;
    result.rows = std::min(outRows, rows.count);
    result.cols = std::min(outCols, cols.count);
    result.values.assign(static_cast<size_t>(result.rows * result.cols), std::nan(""));
    if (result.rows == 0 || result.cols == 0)
        return result;

    std::vector<uint32_t> colToOut(static_cast<size_t>(cols.count));
    for (uint64_t j = 0; j < result.cols; ++j) {
        const uint64_t end = downsampleBoundary(cols, result.cols, j + 1);
        for (uint64_t c = downsampleBoundary(cols, result.cols, j); c < end; ++c)
            colToOut[static_cast<size_t>(c - cols.begin)] = static_cast<uint32_t>(j);
    }

    const uint64_t chunk = std::max<uint64_t>(1, result.rows / 64);
    std::atomic_bool fileChanged{false};
    const bool done =
        parallelChunks(result.rows, chunk, cancel, {&progress, 0.0, 1.0}, [&](int, uint64_t first, uint64_t last) {
            const size_t piece = static_cast<size_t>(std::min(kColumnPiece, cols.count));
            std::vector<double> d(piece), va(piece), vb(piece);
            std::vector<double> acc(static_cast<size_t>(result.cols));
            std::vector<uint64_t> n(static_cast<size_t>(result.cols));
            for (uint64_t i = first; i < last && !cancel.load(std::memory_order_relaxed) && !fileChanged; ++i) {
                std::fill(acc.begin(), acc.end(), 0.0);
                std::fill(n.begin(), n.end(), 0);
                const uint64_t rowEnd = downsampleBoundary(rows, result.rows, i + 1);
                for (uint64_t r = downsampleBoundary(rows, result.rows, i); r < rowEnd; ++r) {
                    for (uint64_t c0 = 0; c0 < cols.count; c0 += kColumnPiece) {
                        const uint64_t width = std::min(kColumnPiece, cols.count - c0);
                        // The window was validated above: this fails only when a file shrank underneath.
                        if (!extractWindow(a, b, spec, r, 1, cols.begin + c0, width, d.data(), va.data(), vb.data())
                                 .ok()) {
                            fileChanged = true;
                            return;
                        }
                        for (uint64_t c = 0; c < width; ++c) {
                            const double x = d[static_cast<size_t>(c)];
                            if (std::isnan(x))
                                continue;
                            const size_t j = colToOut[static_cast<size_t>(c0 + c)];
                            if (reduction == Reduction::Mean)
                                acc[j] += x;
                            else if (n[j] == 0 || std::fabs(x) > std::fabs(acc[j]))
                                acc[j] = x;
                            ++n[j];
                        }
                    }
                }
                double* out = &result.values[static_cast<size_t>(i * result.cols)];
                for (size_t j = 0; j < acc.size(); ++j) {
                    if (n[j])
                        out[j] = reduction == Reduction::Mean ? acc[j] / static_cast<double>(n[j]) : acc[j];
                }
            }
        });
    if (fileChanged)
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("a file changed on disk while the slice was being read (it was truncated or "
                                        "rewritten by another program); reload it"));
    if (!done)
        return chunksStoppedError(QStringLiteral("downsampling cancelled"));
    return result;
}

} // namespace safescope::deltaslice
