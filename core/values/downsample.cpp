#include "core/values/downsample.h"

#include "core/values/dtypecodec.h"
#include "core/io/mappedfile.h"

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

__extension__ using Wide = unsigned __int128; // boundaries multiply two 64-bit numbers

constexpr uint64_t kColumnPiece = 16384; // decoded columns held at once per thread

} // namespace

uint64_t downsampleBoundary(const IndexRange& range, uint64_t out, uint64_t i)
{
    return range.begin + static_cast<uint64_t>(Wide(i) * range.count / out);
}

Result<Downsampled> downsample(const TensorView& view, const SliceSpec& spec, IndexRange rows, IndexRange cols,
                               uint64_t outRows, uint64_t outCols, Reduction reduction, const std::atomic_bool& cancel,
                               const ProgressFn& progress)
{
    if (outRows == 0 || outCols == 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("downsampling needs at least one output cell"));
    // Validates the spec, the window and the view in one go (a 0 x 0 window reads nothing).
    if (Status ok = extractWindow(view, spec, rows.begin, 0, cols.begin, 0, nullptr); !ok)
        return ok.error();
    Result<SliceAddressing> a = sliceAddressing(spec, view.shape);
    if (rows.begin > a->rows || rows.count > a->rows - rows.begin || cols.begin > a->cols ||
        cols.count > a->cols - cols.begin)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("downsampling window is outside the slice"));

    // One check of the file after the whole read, not one per row piece (see extractWindow()).
    TensorView unchecked = view;
    unchecked.source = nullptr;
    Result<Downsampled> result = downsampleRows(rows, cols, outRows, outCols, reduction, cancel, progress,
                                                [&](uint64_t row, uint64_t col, uint64_t width, double* out) {
                                                    return extractWindow(unchecked, spec, row, 1, col, width, out).ok();
                                                });
    if (result && view.source != nullptr)
        if (Status same = view.source->verifyUnchanged(); !same)
            return same.error();
    return result;
}

Result<Downsampled> downsampleRows(IndexRange rows, IndexRange cols, uint64_t outRows, uint64_t outCols,
                                   Reduction reduction, const std::atomic_bool& cancel, const ProgressFn& progress,
                                   const RowPieceReader& read)
{
    Downsampled result;
    result.rows = std::min(outRows, rows.count);
    result.cols = std::min(outCols, cols.count);
    result.values.assign(static_cast<size_t>(result.rows * result.cols), std::nan(""));
    if (result.rows == 0 || result.cols == 0)
        return result;

    // Output column of every source column, computed once.
    std::vector<uint32_t> colToOut(static_cast<size_t>(cols.count));
    for (uint64_t j = 0; j < result.cols; ++j) {
        for (uint64_t c = downsampleBoundary(cols, result.cols, j); c < downsampleBoundary(cols, result.cols, j + 1);
             ++c)
            colToOut[static_cast<size_t>(c - cols.begin)] = static_cast<uint32_t>(j);
    }

    const uint64_t chunk = std::max<uint64_t>(1, result.rows / 64);
    std::atomic_bool fileChanged{false};
    const bool done =
        parallelChunks(result.rows, chunk, cancel, {&progress, 0.0, 1.0}, [&](int, uint64_t first, uint64_t last) {
            std::vector<double> piece(static_cast<size_t>(std::min(kColumnPiece, cols.count)));
            std::vector<double> acc(static_cast<size_t>(result.cols));
            std::vector<uint64_t> n(static_cast<size_t>(result.cols));
            for (uint64_t i = first; i < last && !cancel.load(std::memory_order_relaxed) && !fileChanged; ++i) {
                std::fill(acc.begin(), acc.end(), 0.0);
                std::fill(n.begin(), n.end(), 0);
                const uint64_t rowEnd = downsampleBoundary(rows, result.rows, i + 1);
                for (uint64_t r = downsampleBoundary(rows, result.rows, i); r < rowEnd; ++r) {
                    for (uint64_t c0 = 0; c0 < cols.count; c0 += kColumnPiece) {
                        const uint64_t width = std::min(kColumnPiece, cols.count - c0);
                        if (!read(r, cols.begin + c0, width, piece.data())) {
                            fileChanged = true;
                            return;
                        }
                        for (uint64_t c = 0; c < width; ++c) {
                            const double x = piece[static_cast<size_t>(c)];
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
                         QStringLiteral("the file changed on disk while the slice was being read (it was truncated or "
                                        "rewritten by another program); reload it"));
    if (!done)
        return chunksStoppedError(QStringLiteral("downsampling cancelled"));
    return result;
}

} // namespace safescope
