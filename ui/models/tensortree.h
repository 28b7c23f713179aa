#pragma once

#include "core/format/dtype.h"
#include "core/format/model.h"
#include "core/quant/quantcatalog.h"

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
/// totals. Built once off the GUI thread. A million tensors must stay cheap: a stored node is five 32-bit indices
/// (its path is a prefix of one tensor's name, read from the model; child lists live in one shared array, in node
/// order, so a node's list ends where the next node's begins; a node without children is a leaf), leaves and
/// single-tensor groups read their totals from their tensor, and only groups holding several tensors keep totals.
/// node() assembles the full description of a node on demand.
///
/// A preview (buildPreview) holds only the nodes down to a given depth, with every total exact: a group at that
/// depth whose names continue keeps them hidden (hasHiddenChildren()), counted in its totals. It paints the first
/// screen of a model while the whole tree is built.
///
/// Given a QuantCatalog, each quantized weight is one "logical" node under its float name (the logical shape and
/// parameter count) with its stored parts as leaves beneath it; group totals then count logical parameters. A
/// logical node is a group whose path comes from the catalog: its nameTensor is the catalog index and pathLength
/// carries kLogicalBit, so nodes stay 20 bytes and a model without quantized weights builds exactly as before.
class TensorTree final
{
public:
    static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

    /// Everything about one node, assembled by node(); views point into the tree and its model.
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
        std::span<const std::pair<DType, uint32_t>> dtypes;          ///< groups only: tensors per dtype
        const LogicalTensor* logical = nullptr;                      ///< a quantized weight: its parts are the children
        bool hiddenChildren = false; ///< a preview's node at its depth limit: `children` is empty, the totals are not

        bool isGroup() const { return tensor == kNone; }
        bool isLogical() const { return logical != nullptr; }
        std::string_view segment() const { return path.substr(segmentStart); }
    };

    static std::shared_ptr<const TensorTree> build(std::shared_ptr<const Model> model,
                                                   std::shared_ptr<const QuantCatalog> quant = nullptr);
    /// The nodes down to `depth` (1: the root's children) of the tree build() makes, each with the same row, path
    /// and totals; the nodes below are left out. Costs a pass over the names without building their groups.
    static std::shared_ptr<const TensorTree> buildPreview(std::shared_ptr<const Model> model,
                                                          std::shared_ptr<const QuantCatalog> quant, uint32_t depth);
    /// False for a preview: some nodes have hidden children, and flatOrder() is empty.
    bool isComplete() const { return m_complete; }
    /// A preview's node at its depth limit whose names continue below it.
    bool hasHiddenChildren(uint32_t id) const { return (m_nodes[id].pathLength & kHiddenBit) != 0; }

    const Model& model() const { return *m_model; }
    const std::shared_ptr<const Model>& modelPointer() const { return m_model; }
    /// The catalog the tree was folded with; null when none was given.
    const std::shared_ptr<const QuantCatalog>& quant() const { return m_quant; }
    Node node(uint32_t id) const;
    size_t nodeCount() const { return m_nodes.size(); }
    static constexpr uint32_t rootId() { return 0; }

    // The parts of a node the item models ask for on every index() and parent() call, without assembling a Node.
    uint32_t parentOf(uint32_t id) const { return m_nodes[id].parent; }
    uint32_t rowOf(uint32_t id) const { return m_nodes[id].row; }
    std::span<const uint32_t> childrenOf(uint32_t id) const
    {
        const uint32_t end =
            id + 1 < m_nodes.size() ? m_nodes[id + 1].firstChild : static_cast<uint32_t>(m_childIds.size());
        return {m_childIds.data() + m_nodes[id].firstChild, end - m_nodes[id].firstChild};
    }
    std::string_view pathOf(uint32_t id) const;
    uint32_t tensorOf(uint32_t id) const { return isLeaf(id) ? m_nodes[id].nameTensor : kNone; }
    uint32_t tensorCountOf(uint32_t id) const;
    /// The quantized weight a node stands for, or nullptr (every node of a tree built without a catalog).
    const LogicalTensor* logicalOf(uint32_t id) const
    {
        return id < m_nodes.size() && isLogical(id) ? &m_quant->tensors[m_nodes[id].nameTensor] : nullptr;
    }

    /// The rows of the flat list, as node ids in tree order (natural order segment by segment): every leaf that is
    /// not a stored part, and every quantized weight's logical node (its parts stay beneath it).
    const std::vector<uint32_t>& flatOrder() const { return m_flat; }
    /// The row of node `id` in the flat list, kNone when it is not a row there (groups, folded parts).
    uint32_t flatRowOf(uint32_t id) const { return m_flatRow[id]; }
    /// The leaf node of a model entry; kNone when a preview leaves it out.
    uint32_t leafOf(size_t tensorIndex) const { return m_leafOfTensor[tensorIndex]; }
    /// The node of logical tensor `logical` of quant(), kNone when it was left unfolded or out of a preview.
    uint32_t logicalNodeOf(size_t logical) const
    {
        return logical < m_logicalNodes.size() ? m_logicalNodes[logical] : kNone;
    }

private:
    static constexpr uint32_t kLogicalBit = 0x80000000u;
    static constexpr uint32_t kHiddenBit = 0x40000000u; ///< see hasHiddenChildren()
    static constexpr uint32_t kPathMask = ~(kLogicalBit | kHiddenBit);

    /// 20 bytes a node; see the class comment.
    struct StoredNode
    {
        uint32_t nameTensor = kNone; ///< a tensor below whose name starts with this node's path (a leaf's own)
        uint32_t pathLength = 0;
        uint32_t parent = kNone;
        uint32_t row = 0;
        uint32_t firstChild = 0; ///< into m_childIds; the list ends where the next node's begins
    };

    /// Totals of a group holding several tensors.
    struct GroupTotals
    {
        uint64_t parameters = 0;
        uint64_t bytes = 0;
        uint64_t firstOffset = std::numeric_limits<uint64_t>::max();
        uint32_t tensorCount = 0;
        uint32_t firstDType = 0; ///< into m_dtypeCounts
        uint32_t dtypeCount = 0;
    };

    /// What a preview leaves out, counted into the node at its depth limit: a stored tensor (with its parameters
    /// unless it is a quantized weight's part), or a quantized weight's logical parameters.
    struct Hidden
    {
        uint32_t node = 0;
        uint32_t index = 0; ///< a model entry, or with `logical` a quant() tensor
        bool logical = false;
        bool countsParameters = true;
    };

    TensorTree() = default;
    static std::shared_ptr<const TensorTree> build(std::shared_ptr<const Model> model,
                                                   std::shared_ptr<const QuantCatalog> quant, uint32_t maxDepth);
    // `segments` holds every node's last segment while the tree is built: reading them back through the model's names
    // cost more than the rest of the build. `maxDepth` 0 builds every node; otherwise see buildPreview().
    void createNodes(std::vector<std::string_view>& segments, uint32_t maxDepth, std::vector<Hidden>& hidden);
    void linkChildren(const std::vector<std::string_view>& segments);
    void aggregate(const std::vector<Hidden>& hidden);
    void collectFlatOrder();
    /// The last segment of the node's path: what follows the last separator.
    std::string_view segmentOf(uint32_t id) const;
    /// Every group has children (it exists because a name continues below it); the root of an empty model is no leaf.
    bool isLeaf(uint32_t id) const { return id != rootId() && childrenOf(id).empty() && !hasHiddenChildren(id); }
    bool isLogical(uint32_t id) const { return (m_nodes[id].pathLength & kLogicalBit) != 0; }
    /// Which stored tensors fold under which logical node; see foldParts().
    struct Folding
    {
        std::vector<char> folded;         ///< per model entry: a part folded under a logical node
        std::vector<uint32_t> logicalAt;  ///< per model entry: the logical tensor placed at its first part, or kNone
        std::vector<uint32_t> parts;      ///< each folded logical tensor's parts, in its `parts` order
        std::vector<uint32_t> partsStart; ///< per logical tensor, where its parts start in `parts` (plus the end)
    };
    /// Empty when there is no catalog. A logical tensor whose parts are not all found, or lie outside its name's
    /// groups, is left unfolded.
    Folding foldParts() const;
    /// The totals of a group over several tensors; nullptr for leaves and groups over a single tensor.
    const GroupTotals* totalsOf(uint32_t id) const;

    std::shared_ptr<const Model> m_model;
    std::shared_ptr<const QuantCatalog> m_quant;
    std::vector<StoredNode> m_nodes;
    std::vector<uint32_t> m_childIds;                      ///< every node's children, one range per node
    std::vector<uint32_t> m_totalsOwners;                  ///< ascending ids of the groups holding several tensors
    std::vector<GroupTotals> m_totals;                     ///< their totals, in the same order
    std::vector<std::pair<DType, uint32_t>> m_dtypeCounts; ///< their dtype mixes, one range per group
    std::vector<uint32_t> m_flat;
    std::vector<uint32_t> m_flatRow; ///< per node, its row in m_flat or kNone
    std::vector<uint32_t> m_leafOfTensor;
    std::vector<uint32_t> m_logicalNodes; ///< per logical tensor of m_quant, its node (empty without a catalog)
    bool m_complete = true;
};

} // namespace safescope
