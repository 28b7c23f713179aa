#pragma once

#include "ui/models/tensortree.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace safescope {

/// The overview page's numbers, computed once from a tree snapshot off the GUI thread.
struct ModelSummary
{
    struct Row
    {
        QString name;
        QString detail; ///< dtype and shape for tensors, dtype mix for modules
        uint64_t tensors = 0;
        uint64_t parameters = 0;
        uint64_t bytes = 0;
    };

    std::vector<Row> dtypes;  ///< per dtype, most bytes first (name = dtype name)
    std::vector<Row> largest; ///< the largest tensors by bytes, at most kLargestCount
    std::vector<Row> modules; ///< per top-level module, most parameters first
    QString modulePrefix;     ///< the prefix every tensor shares and that was skipped ("model."), may be empty

    static constexpr size_t kLargestCount = 10;
    static ModelSummary compute(const TensorTree& tree);
};

} // namespace safescope
