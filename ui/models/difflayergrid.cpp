#include "ui/models/difflayergrid.h"

#include "core/diff/quantpairdiff.h"
#include "ui/models/layermodule.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <limits>

namespace safescope {

double diffHeatValue(const TensorDiff& diff, DiffHeatMetric metric)
{
    if (!diff.metrics)
        return std::numeric_limits<double>::quiet_NaN();
    switch (metric) {
    case DiffHeatMetric::RelativeL2:
        return diff.status == DiffStatus::Identical ? 0.0 : diff.metrics->relL2;
    case DiffHeatMetric::OneMinusCosine:
        return diff.status == DiffStatus::Identical ? 0.0 : 1.0 - diff.metrics->cosine;
    case DiffHeatMetric::Sqnr:
        return diff.status == DiffStatus::Identical ? std::numeric_limits<double>::infinity() : sqnrDb(*diff.metrics);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

DiffLayerGrid DiffLayerGrid::build(const std::vector<TensorDiff>& rows, DiffHeatMetric metric)
{
    struct Placed
    {
        int layer;
        int module;
        size_t row;
    };
    DiffLayerGrid grid;
    grid.higherIsCloser = metric == DiffHeatMetric::Sqnr;
    QHash<QString, int> moduleIndex;
    std::vector<Placed> placed;
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto parsed = LayerModule::parse(QString::fromStdString(rows[i].name));
        if (!parsed)
            continue;
        auto it = moduleIndex.constFind(parsed->module);
        if (it == moduleIndex.constEnd()) {
            it = moduleIndex.insert(parsed->module, static_cast<int>(grid.modules.size()));
            grid.modules.append(parsed->module);
        }
        placed.push_back({parsed->layer, *it, i});
        grid.layers.push_back(parsed->layer);
    }
    std::sort(grid.layers.begin(), grid.layers.end());
    grid.layers.erase(std::unique(grid.layers.begin(), grid.layers.end()), grid.layers.end());
    const size_t cells = grid.layers.size() * static_cast<size_t>(grid.modules.size());
    grid.values.assign(cells, std::numeric_limits<double>::quiet_NaN());
    grid.pairs.assign(cells, -1);
    for (const Placed& p : placed) {
        const int row =
            static_cast<int>(std::lower_bound(grid.layers.begin(), grid.layers.end(), p.layer) - grid.layers.begin());
        const size_t cell = grid.cellIndex(row, p.module);
        grid.values[cell] = diffHeatValue(rows[p.row], metric);
        grid.pairs[cell] = static_cast<int64_t>(rows[p.row].pair);
    }
    return grid;
}

std::pair<int, int> DiffLayerGrid::cellOf(int64_t pair) const
{
    const auto it = std::find(pairs.begin(), pairs.end(), pair);
    if (pair < 0 || it == pairs.end() || modules.isEmpty())
        return {-1, -1};
    const auto cell = static_cast<int>(it - pairs.begin());
    return {cell / static_cast<int>(modules.size()), cell % static_cast<int>(modules.size())};
}

} // namespace safescope
