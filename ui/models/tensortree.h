#pragma once

#include "core/dtype.h"
#include "core/model.h"

#include <QString>

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace safescope {

/// An immutable tree of a model's tensor names, split on '.' and '/', children in natural order, with per-group
/// totals. Built once off the GUI thread. A million tensors must stay cheap: nodes are plain indices, child lists
/// and dtype mixes live in two shared arrays (no allocation per node), and names are views into the model's own
/// strings (the tree keeps the model alive).
class TensorTree final
{
public:
    static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

    struct Node
    {
        std::string_view path; ///< the name up to and including this node's segment (the full name for leaves)
        uint32_t segmentStart = 0;
        uint32_t parent = kNone;
        uint32_t row = 0;         ///< position among the parent's children
        uint32_t tensor = kNone;  ///< model entry of a leaf; kNone for groups
        uint32_t tensorCount = 0; ///< leaves below (1 for a leaf)
        uint64_t parameters = 0;
        uint64_t bytes = 0;
        uint64_t firstOffset = std::numeric_limits<uint64_t>::max(); ///< lowest absolute offset below
        std::span<const uint32_t> children;                          ///< in natural order; points into the tree
        std::span<const std::pair<DType, uint32_t>> dtypes;          ///< groups only: tensors per dtype, into the tree

        bool isGroup() const { return tensor == kNone; }
        std::string_view segment() const { return path.substr(segmentStart); }
    };

    static std::shared_ptr<const TensorTree> build(std::shared_ptr<const Model> model);

    const Model& model() const { return *m_model; }
    const std::shared_ptr<const Model>& modelPointer() const { return m_model; }
    const Node& node(uint32_t id) const { return m_nodes[id]; }
    size_t nodeCount() const { return m_nodes.size(); }
    static constexpr uint32_t rootId() { return 0; }
    /// Model entries in tree order (natural order segment by segment): the flat list.
    const std::vector<uint32_t>& flatOrder() const { return m_flat; }
    /// The leaf node of a model entry.
    uint32_t leafOf(size_t tensorIndex) const { return m_leafOfTensor[tensorIndex]; }

private:
    TensorTree() = default;
    void createNodes();
    void linkChildren();
    void aggregate();
    void collectFlatOrder();

    std::shared_ptr<const Model> m_model;
    std::vector<Node> m_nodes;
    std::vector<uint32_t> m_childIds;                      ///< every node's children, one range per node
    std::vector<std::pair<DType, uint32_t>> m_dtypeCounts; ///< every group's dtype mix, one range per group
    std::vector<uint32_t> m_flat;
    std::vector<uint32_t> m_leafOfTensor;
};

} // namespace safescope
