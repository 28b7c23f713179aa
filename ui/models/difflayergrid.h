#pragma once

#include "core/diff/tensordiff.h"

#include <QStringList>

#include <cstdint>
#include <vector>

namespace safescope {

/// What the diff heatmap colours a cell by: both are 0 for identical tensors and grow with the change.
enum class DiffHeatMetric : uint8_t
{
    RelativeL2,     ///< ‖Δ‖ / ‖A‖
    OneMinusCosine, ///< 1 - cos(A, B): direction change, blind to scaling
    Sqnr,           ///< signal to noise of B against A in dB, -20 log10(relative L2): a quantization's error map
};

/// A pair's heat value; NaN when the pair has no metrics (missing, reshaped, not comparable).
double diffHeatValue(const TensorDiff& diff, DiffHeatMetric metric);

/// Diff rows laid out as layer x module (see LayerModule). Built from a snapshot of the rows; the plot only draws it.
struct DiffLayerGrid
{
    std::vector<int> layers;    ///< sorted layer indices, one per grid row
    QStringList modules;        ///< module suffixes in order of first appearance, one per grid column
    std::vector<double> values; ///< layers x modules, row-major; NaN = blank (missing or no metrics)
    std::vector<int64_t> pairs; ///< TensorDiff::pair of each cell, -1 when no pair lands there
    /// The metric grows as the pair gets closer (SQNR; identical pairs are +inf): drawn with the colours reversed.
    bool higherIsCloser = false;

    static DiffLayerGrid build(const std::vector<TensorDiff>& rows, DiffHeatMetric metric);

    bool isEmpty() const { return layers.empty() || modules.isEmpty(); }
    int rowCount() const { return static_cast<int>(layers.size()); }
    int columnCount() const { return static_cast<int>(modules.size()); }
    double value(int row, int column) const { return values[cellIndex(row, column)]; }
    int64_t pair(int row, int column) const { return pairs[cellIndex(row, column)]; }
    /// The cell of a pair, or {-1, -1}.
    std::pair<int, int> cellOf(int64_t pair) const;

private:
    size_t cellIndex(int row, int column) const
    {
        return static_cast<size_t>(row) * static_cast<size_t>(modules.size()) + static_cast<size_t>(column);
    }
};

} // namespace safescope
