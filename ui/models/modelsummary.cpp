#include "ui/models/modelsummary.h"

#include "core/text/format.h"
#include "core/text/textutil.h"

#include <algorithm>
#include <array>
#include <map>

namespace safescope {

ModelSummary ModelSummary::compute(const TensorTree& tree)
{
    ModelSummary summary;
    const Model& model = tree.model();

    // Counted per DType, and per text for unknown dtypes (rare): formatting a name per tensor cost more than the rest.
    std::array<Row, kDTypeCount + 1> byDType{};
    std::map<QString, Row> byUnknownDType;
    std::vector<uint32_t> bySize(model.tensorCount());
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        const TensorInfo& info = model.tensor(i);
        Row& row = info.dtype == DType::Unknown ? byUnknownDType[format::dtype(info)]
                                                : byDType[static_cast<size_t>(info.dtype)];
        if (row.tensors == 0)
            row.name = format::dtype(info);
        row.tensors += 1;
        row.parameters += info.elementCount;
        row.bytes += info.byteSize();
        bySize[i] = static_cast<uint32_t>(i);
    }
    for (const Row& row : byDType) {
        if (row.tensors > 0)
            summary.dtypes.push_back(row);
    }
    for (const auto& [name, row] : byUnknownDType)
        summary.dtypes.push_back(row);
    std::stable_sort(summary.dtypes.begin(), summary.dtypes.end(),
                     [](const Row& a, const Row& b) { return a.bytes > b.bytes; });

    const size_t top = std::min(kLargestCount, bySize.size());
    std::partial_sort(bySize.begin(), bySize.begin() + static_cast<std::ptrdiff_t>(top), bySize.end(),
                      [&model](uint32_t a, uint32_t b) {
                          const uint64_t sa = model.tensor(a).byteSize();
                          const uint64_t sb = model.tensor(b).byteSize();
                          return sa != sb ? sa > sb : a < b;
                      });
    for (size_t i = 0; i < top; ++i) {
        const TensorInfo& info = model.tensor(bySize[i]);
        summary.largest.push_back(Row{toQString(model.qualifiedName(bySize[i])),
                                      format::dtype(info) + u' ' + format::shape(info.shape), 1, info.elementCount,
                                      info.byteSize()});
    }

    // "Top-level" modules of most checkpoints sit below one shared wrapper ("model."), which alone says nothing:
    // descend while the tree is a single chain of groups.
    uint32_t parent = TensorTree::rootId();
    while (tree.node(parent).children.size() == 1 && tree.node(tree.node(parent).children.front()).isGroup())
        parent = tree.node(parent).children.front();
    if (parent != TensorTree::rootId())
        summary.modulePrefix = toQString(tree.node(parent).path);
    for (const uint32_t child : tree.node(parent).children) {
        const TensorTree::Node& node = tree.node(child);
        summary.modules.push_back(
            Row{toQString(node.segment()),
                node.isGroup() ? format::dtypeMix(node.dtypes) : format::dtype(model.tensor(node.tensor)),
                node.tensorCount, node.parameters, node.bytes});
    }
    std::stable_sort(summary.modules.begin(), summary.modules.end(),
                     [](const Row& a, const Row& b) { return a.parameters > b.parameters; });
    return summary;
}

} // namespace safescope
