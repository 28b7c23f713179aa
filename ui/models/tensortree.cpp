#include "ui/models/tensortree.h"

#include "ui/models/grouptable.h"
#include "ui/models/naturalcompare.h"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>

namespace safescope {

namespace {

bool isSeparator(char c)
{
    return c == '.' || c == '/';
}

} // namespace

std::shared_ptr<const TensorTree> TensorTree::build(std::shared_ptr<const Model> model,
                                                    std::shared_ptr<const QuantCatalog> quant)
{
    return build(std::move(model), std::move(quant), 0);
}

std::shared_ptr<const TensorTree> TensorTree::buildPreview(std::shared_ptr<const Model> model,
                                                           std::shared_ptr<const QuantCatalog> quant, uint32_t depth)
{
    return build(std::move(model), std::move(quant), std::max<uint32_t>(depth, 1));
}

std::shared_ptr<const TensorTree> TensorTree::build(std::shared_ptr<const Model> model,
                                                    std::shared_ptr<const QuantCatalog> quant, uint32_t maxDepth)
{
    std::shared_ptr<TensorTree> tree(new TensorTree);
    tree->m_model = std::move(model);
    if (quant && !quant->tensors.empty())
        tree->m_quant = std::move(quant);
    std::vector<std::string_view> segments;
    std::vector<Hidden> hidden;
    tree->createNodes(segments, maxDepth, hidden);
    tree->linkChildren(segments);
    tree->aggregate(hidden);
    tree->m_complete = maxDepth == 0;
    if (tree->m_complete)
        tree->collectFlatOrder();
    else
        tree->m_flatRow.assign(tree->m_nodes.size(), kNone);
    return tree;
}

std::string_view TensorTree::pathOf(uint32_t id) const
{
    const StoredNode& node = m_nodes[id];
    if ((node.pathLength & kLogicalBit) != 0)
        return m_quant->tensors[node.nameTensor].name;
    return node.nameTensor == kNone ? std::string_view()
                                    : m_model->qualifiedName(node.nameTensor).substr(0, node.pathLength & kPathMask);
}

std::string_view TensorTree::segmentOf(uint32_t id) const
{
    const std::string_view path = pathOf(id);
    // A part under a logical node is named from where the logical name's last segment starts: "qweight",
    // "weight_scale_inv", "weight.absmax" (every folded part's name shares the logical name's groups).
    if (const uint32_t parent = m_nodes[id].parent; parent != kNone && isLogical(parent)) {
        const std::string_view logical = pathOf(parent);
        const size_t logicalSeparator = logical.find_last_of("./");
        return path.substr(logicalSeparator == std::string_view::npos ? 0 : logicalSeparator + 1);
    }
    const size_t separator = path.find_last_of("./");
    return separator == std::string_view::npos ? path : path.substr(separator + 1);
}

const TensorTree::GroupTotals* TensorTree::totalsOf(uint32_t id) const
{
    const auto found = std::lower_bound(m_totalsOwners.begin(), m_totalsOwners.end(), id);
    return found != m_totalsOwners.end() && *found == id
               ? &m_totals[static_cast<size_t>(found - m_totalsOwners.begin())]
               : nullptr;
}

uint32_t TensorTree::tensorCountOf(uint32_t id) const
{
    const GroupTotals* totals = totalsOf(id);
    return totals != nullptr ? totals->tensorCount : m_nodes[id].nameTensor != kNone ? 1 : 0;
}

TensorTree::Node TensorTree::node(uint32_t id) const
{
    // One {dtype, 1} pair per dtype: the mix of a group over a single tensor points here.
    static const auto kOneOfEach = [] {
        std::array<std::pair<DType, uint32_t>, kDTypeCount + 1> pairs{};
        for (size_t type = 0; type < pairs.size(); ++type)
            pairs[type] = {static_cast<DType>(type), 1};
        return pairs;
    }();
    const StoredNode& stored = m_nodes[id];
    Node node;
    node.path = pathOf(id);
    node.segmentStart = static_cast<uint32_t>(node.path.size() - segmentOf(id).size());
    node.parent = stored.parent;
    node.row = stored.row;
    node.children = childrenOf(id);
    node.hiddenChildren = hasHiddenChildren(id);
    const GroupTotals* totals = totalsOf(id);
    if (isLogical(id))
        node.logical = &m_quant->tensors[stored.nameTensor]; // always has totals: see aggregate()
    if (totals == nullptr && stored.nameTensor != kNone) {
        const bool leaf = isLeaf(id);
        const TensorInfo& info = m_model->tensor(stored.nameTensor);
        node.tensor = leaf ? stored.nameTensor : kNone;
        node.tensorCount = 1;
        node.parameters = info.elementCount;
        node.bytes = info.byteSize();
        node.firstOffset = m_model->absoluteOffset(stored.nameTensor);
        if (!leaf)
            node.dtypes = std::span(&kOneOfEach[static_cast<size_t>(info.dtype)], 1);
        return node;
    }
    if (totals == nullptr)
        return node; // the root of an empty model
    node.tensorCount = totals->tensorCount;
    node.parameters = totals->parameters;
    node.bytes = totals->bytes;
    node.firstOffset = totals->firstOffset;
    node.dtypes = std::span(m_dtypeCounts.data() + totals->firstDType, totals->dtypeCount);
    if (node.logical != nullptr)
        node.parameters = node.logical->elementCount; // the bytes stay the stored parts'
    return node;
}

// Nodes are created parent first, so every child's id is larger than its parent's: aggregate() relies on it.
// Groups are found by (parent, segment); leaves are never looked up, so a tensor named like a group prefix
// ("a" next to "a.b") and duplicate names in lenient files each keep their own row.
void TensorTree::createNodes(std::vector<std::string_view>& segments, uint32_t maxDepth, std::vector<Hidden>& hidden)
{
    const Model& m = *m_model;
    const size_t count = m.tensorCount();
    const Folding folding = foldParts();
    const size_t logicalCount = folding.partsStart.empty() ? 0 : folding.partsStart.size() - 1;
    // Reserved from an estimate, not a bound: bounding it exactly (every name's separators counted first) read
    // every name one more time, and those reads were cache misses, half of this function on a 90,000-name index.
    // A name usually opens at most one group (its neighbours share the rest): the DeepSeek-sized index makes 1.45
    // nodes a name. Four a name is generous on purpose: the untouched tail costs address space only, and a block
    // this large gets a mapping of its own that is returned whole when freed, where a tighter one (two a name) came
    // from the heap and stayed resident after the build (+2.8 MiB). A deeper layout reallocates; shrink_to_fit()
    // trims either way.
    // A preview holds a few nodes a group at its depth limit; what it hides is listed instead, at most once a name.
    const size_t estimate = maxDepth == 0 ? 4 * (count + logicalCount) + 1 : 1024;
    m_nodes.reserve(estimate);
    segments.reserve(estimate);
    if (maxDepth != 0)
        hidden.reserve(count + logicalCount);
    segments.emplace_back();
    StoredNode& root = m_nodes.emplace_back();
    root.nameTensor = count == 0 ? kNone : 0; // the root's path is empty: any tensor's name starts with it
    m_leafOfTensor.assign(count, kNone);
    m_logicalNodes.assign(logicalCount, kNone);
    // Most layouts make fewer groups than a quarter of their names (the DeepSeek-sized index: 63,000 for 135,000
    // names and quantized weights); more only grow the table.
    GroupTable groups([&](uint32_t id) { return std::pair(m_nodes[id].parent, segments[id]); },
                      maxDepth == 0 ? (count + logicalCount) / 4 : 256);
    // Headers list related tensors together, so a name usually shares its leading groups with the previous one:
    // those are taken from `trail` (the previous name's groups and where their segments end) without hashing.
    std::string_view previous;
    std::vector<std::pair<uint32_t, size_t>> trail; // (group id, end of its segment in `previous`)
    // Finds or creates the groups of `name` (a tensor's, or a logical tensor's whose groups `pathTensor` shares),
    // returning the parent of its last segment and where that segment starts; or, when the name goes below
    // `maxDepth`, the group at that depth (marked as hiding children) and `hiddenBelow` set.
    struct Placement
    {
        uint32_t parent;
        size_t start;
        bool hiddenBelow;
    };
    const auto placeGroups = [&](std::string_view name, uint32_t pathTensor) -> Placement {
        // Compared no further than the trail reaches (a preview's trail stops at its depth limit).
        const size_t compared = trail.empty() ? 0 : std::min({name.size(), previous.size(), trail.back().second + 1});
        const size_t common = static_cast<size_t>(
            std::mismatch(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(compared), previous.begin()).first -
            name.begin());
        size_t depth = 0;
        // A group is shared when its segment and the separator after it lie inside the common prefix.
        while (depth < trail.size() && trail[depth].second < common)
            ++depth;
        trail.resize(depth);
        uint32_t parent = depth == 0 ? rootId() : trail.back().first;
        size_t start = depth == 0 ? 0 : trail.back().second + 1;
        for (;;) {
            if (maxDepth != 0 && trail.size() == maxDepth) {
                previous = name;
                m_nodes[parent].pathLength |= kHiddenBit;
                return {parent, start, true};
            }
            size_t end = start;
            while (end < name.size() && !isSeparator(name[end]))
                ++end;
            if (end == name.size())
                break;
            const std::string_view segment = name.substr(start, end - start);
            const uint32_t hash = decltype(groups)::hash(parent, segment);
            uint32_t group = groups.find(parent, segment, hash);
            if (group == kNone) {
                group = static_cast<uint32_t>(m_nodes.size());
                StoredNode& node = m_nodes.emplace_back();
                node.nameTensor = pathTensor;
                node.pathLength = static_cast<uint32_t>(end);
                node.parent = parent;
                segments.push_back(name.substr(start, end - start));
                groups.insert(group, hash);
            }
            trail.emplace_back(group, end);
            parent = group;
            start = end + 1;
        }
        previous = name;
        return {parent, start, false};
    };
    // Each quantized weight takes the place of its first stored part, so its groups come from the trail like a
    // tensor's: the logical node, then its parts as leaves beneath it.
    const auto placeLogical = [&](uint32_t k) {
        const std::string_view name = m_quant->tensors[k].name;
        const std::span<const uint32_t> parts(folding.parts.data() + folding.partsStart[k],
                                              folding.partsStart[k + 1] - folding.partsStart[k]);
        const auto [parent, start, hiddenBelow] = placeGroups(name, parts.front());
        if (hiddenBelow) {
            hidden.push_back({parent, k, true, true});
            for (const uint32_t part : parts)
                hidden.push_back({parent, part, false, false});
            return;
        }
        const auto id = static_cast<uint32_t>(m_nodes.size());
        m_logicalNodes[k] = id;
        StoredNode& logical = m_nodes.emplace_back();
        logical.nameTensor = k;
        logical.pathLength = kLogicalBit | static_cast<uint32_t>(name.size());
        logical.parent = parent;
        segments.push_back(name.substr(start));
        // The parts are one level below the logical node: past a preview's depth they are only counted.
        if (maxDepth != 0 && trail.size() + 1 == maxDepth) {
            logical.pathLength |= kHiddenBit;
            for (const uint32_t part : parts)
                hidden.push_back({id, part, false, false});
            return;
        }
        for (const uint32_t part : parts) {
            const std::string_view partName = m.qualifiedName(part);
            m_leafOfTensor[part] = static_cast<uint32_t>(m_nodes.size());
            StoredNode& leaf = m_nodes.emplace_back();
            leaf.nameTensor = part;
            leaf.pathLength = static_cast<uint32_t>(partName.size());
            leaf.parent = id;
            segments.push_back(partName.substr(start));
        }
    };
    for (size_t i = 0; i < count; ++i) {
        if (!folding.folded.empty() && folding.folded[i] != 0) {
            if (folding.logicalAt[i] != kNone)
                placeLogical(folding.logicalAt[i]);
            continue;
        }
        const std::string_view name = m.qualifiedName(i);
        const auto [parent, start, hiddenBelow] = placeGroups(name, static_cast<uint32_t>(i));
        if (hiddenBelow) {
            hidden.push_back({parent, static_cast<uint32_t>(i), false, true});
            continue;
        }
        m_leafOfTensor[i] = static_cast<uint32_t>(m_nodes.size());
        StoredNode& leaf = m_nodes.emplace_back();
        leaf.nameTensor = static_cast<uint32_t>(i);
        leaf.pathLength = static_cast<uint32_t>(name.size());
        leaf.parent = parent;
        segments.push_back(name.substr(start));
    }
    m_nodes.shrink_to_fit(); // one exact copy instead of a reservation whose touched tail may be a whole huge page
}

TensorTree::Folding TensorTree::foldParts() const
{
    if (!m_quant)
        return {};
    const Model& m = *m_model;
    Folding folding;
    folding.folded.assign(m.tensorCount(), 0);
    folding.logicalAt.assign(m.tensorCount(), kNone);
    folding.partsStart.reserve(m_quant->tensors.size() + 1);
    folding.partsStart.push_back(0);
    for (size_t k = 0; k < m_quant->tensors.size(); ++k) {
        const LogicalTensor& logical = m_quant->tensors[k];
        const size_t separator = logical.name.find_last_of("./");
        const std::string_view prefix =
            std::string_view(logical.name).substr(0, separator == std::string::npos ? 0 : separator + 1);
        // The catalog knows where its parts are; a catalog made by hand is looked up by name.
        const std::span<const uint32_t> known = m_quant->partIndicesOf(k);
        const size_t begin = folding.parts.size();
        for (size_t p = 0; p < logical.parts.size(); ++p) {
            const std::string_view name = logical.parts[p].second;
            const std::optional<size_t> index = known.size() == logical.parts.size() ? known[p] : m.find(name);
            const auto placed = folding.parts.begin() + static_cast<std::ptrdiff_t>(begin);
            // A part outside the logical name's groups (or not found) would break the paths: leave it unfolded.
            if (!index || folding.folded[*index] != 0 || !name.starts_with(prefix) ||
                std::find(placed, folding.parts.end(), static_cast<uint32_t>(*index)) != folding.parts.end()) {
                folding.parts.resize(begin);
                break;
            }
            folding.parts.push_back(static_cast<uint32_t>(*index));
        }
        if (folding.parts.size() > begin) {
            const auto placed = folding.parts.begin() + static_cast<std::ptrdiff_t>(begin);
            for (auto part = placed; part != folding.parts.end(); ++part)
                folding.folded[*part] = 1;
            folding.logicalAt[*std::min_element(placed, folding.parts.end())] = static_cast<uint32_t>(k);
        }
        folding.partsStart.push_back(static_cast<uint32_t>(folding.parts.size()));
    }
    return folding;
}

// All child lists in one array: a counting sort by parent, then each range sorted naturally. Every array touched here
// is fresh memory, which costs a page fault per 4 KiB: one cursor array serves both as the range starts and, after
// the placement moved each cursor to the end of its range, as the next range's start.
void TensorTree::linkChildren(const std::vector<std::string_view>& segments)
{
    std::vector<uint32_t> cursor(m_nodes.size(), 0);
    for (size_t id = 1; id < m_nodes.size(); ++id)
        ++cursor[m_nodes[id].parent];
    uint32_t start = 0;
    for (uint32_t& at : cursor)
        start += std::exchange(at, start);
    m_childIds.resize(m_nodes.size() - 1);
    for (size_t id = 1; id < m_nodes.size(); ++id)
        m_childIds[cursor[m_nodes[id].parent]++] = static_cast<uint32_t>(id);

    for (size_t id = 0; id < m_nodes.size(); ++id) {
        const uint32_t begin = id == 0 ? 0 : cursor[id - 1];
        const uint32_t end = cursor[id];
        const auto first = m_childIds.begin() + begin;
        const auto last = m_childIds.begin() + end;
        const auto less = [&](uint32_t a, uint32_t b) { return naturalLess(segments[a], segments[b]); };
        // Most lists are short and already in order (a weight and its scale, three projections): checking first
        // spares each of them stable_sort's buffer allocation.
        if (end - begin > 1 && !std::is_sorted(first, last, less))
            std::stable_sort(first, last, less);
        m_nodes[id].firstChild = begin;
        for (uint32_t row = 0; row < end - begin; ++row)
            m_nodes[m_childIds[begin + row]].row = row;
    }
}

// Bottom-up passes (children have larger ids than parents) over one temporary array: first the tensor count below
// every node, then, for the groups over several tensors (the only ones keeping totals), their index into m_totals
// while their parameters, bytes, offsets and dtype mixes (one column per dtype present, usually one to three) are
// summed. A leaf or a single-tensor group contributes its tensor, and a preview's node at its depth limit what it
// hides.
void TensorTree::aggregate(const std::vector<Hidden>& hidden)
{
    const Model& m = *m_model;
    std::vector<uint32_t> slot(m_nodes.size(), 0);
    // Logical nodes and the groups above them keep totals even over a single tensor: their parameters are
    // logical, which their one stored tensor cannot tell.
    std::vector<char> logicalBelow(m_quant ? m_nodes.size() : 0, 0);
    for (const Hidden& h : hidden) {
        if (h.logical)
            logicalBelow[h.node] = 1;
        else
            ++slot[h.node];
    }
    for (size_t id = m_nodes.size(); id-- > 1;) {
        if (isLeaf(static_cast<uint32_t>(id)))
            slot[id] = 1;
        slot[m_nodes[id].parent] += slot[id];
        if (!logicalBelow.empty() && (logicalBelow[id] != 0 || isLogical(static_cast<uint32_t>(id))))
            logicalBelow[id] = logicalBelow[m_nodes[id].parent] = 1;
    }
    const auto keepsTotals = [&](size_t id) {
        return !isLeaf(static_cast<uint32_t>(id)) &&
               (slot[id] != 1 || (!logicalBelow.empty() && logicalBelow[id] != 0) ||
                hasHiddenChildren(static_cast<uint32_t>(id)));
    };
    size_t groups = 0;
    for (size_t id = 0; id < m_nodes.size(); ++id)
        groups += keepsTotals(id) ? 1 : 0;
    m_totals.reserve(groups);
    m_totalsOwners.reserve(groups);
    for (size_t id = 0; id < m_nodes.size(); ++id) {
        if (!keepsTotals(id)) {
            slot[id] = kNone;
            continue;
        }
        GroupTotals& totals = m_totals.emplace_back();
        totals.tensorCount = slot[id];
        m_totalsOwners.push_back(static_cast<uint32_t>(id));
        slot[id] = static_cast<uint32_t>(m_totals.size() - 1);
    }

    std::array<int, kDTypeCount + 1> column{};
    column.fill(-1);
    size_t columns = 0;
    for (size_t i = 0; i < m.tensorCount(); ++i) {
        int& c = column[static_cast<size_t>(m.tensor(i).dtype)];
        if (c < 0)
            c = static_cast<int>(columns++);
    }
    std::vector<uint32_t> counts(m_totals.size() * columns, 0);
    // What a preview hides, into the node that hides it (which keeps totals) before that node is summed upwards.
    for (const Hidden& h : hidden) {
        GroupTotals& sum = m_totals[slot[h.node]];
        if (h.logical) {
            sum.parameters += m_quant->tensors[h.index].elementCount;
            continue;
        }
        const TensorInfo& info = m.tensor(h.index);
        if (h.countsParameters)
            sum.parameters += info.elementCount;
        sum.bytes += info.byteSize();
        sum.firstOffset = std::min(sum.firstOffset, m.absoluteOffset(h.index));
        ++counts[slot[h.node] * columns + static_cast<size_t>(column[static_cast<size_t>(info.dtype)])];
    }
    for (size_t id = m_nodes.size(); id-- > 1;) {
        const uint32_t into = slot[m_nodes[id].parent];
        if (into == kNone)
            continue; // the parent is a group over this node's single tensor
        GroupTotals& sum = m_totals[into];
        if (const uint32_t from = slot[id]; from != kNone) {
            GroupTotals& part = m_totals[from];
            if (isLogical(static_cast<uint32_t>(id)))
                part.parameters = m_quant->tensors[m_nodes[id].nameTensor].elementCount; // its parts are summed
            const GroupTotals& done = part;
            sum.parameters += done.parameters;
            sum.bytes += done.bytes;
            sum.firstOffset = std::min(sum.firstOffset, done.firstOffset);
            for (size_t c = 0; c < columns; ++c)
                counts[into * columns + c] += counts[from * columns + c];
            continue;
        }
        const uint32_t tensor = m_nodes[id].nameTensor;
        const TensorInfo& info = m.tensor(tensor);
        sum.parameters += info.elementCount;
        sum.bytes += info.byteSize();
        sum.firstOffset = std::min(sum.firstOffset, m.absoluteOffset(tensor));
        ++counts[into * columns + static_cast<size_t>(column[static_cast<size_t>(info.dtype)])];
    }

    for (size_t group = 0; group < m_totals.size(); ++group) {
        GroupTotals& totals = m_totals[group];
        totals.firstDType = static_cast<uint32_t>(m_dtypeCounts.size());
        for (size_t type = 0; type < column.size(); ++type) {
            if (column[type] < 0)
                continue;
            if (const uint32_t n = counts[group * columns + static_cast<size_t>(column[type])]; n > 0)
                m_dtypeCounts.emplace_back(static_cast<DType>(type), n);
        }
        totals.dtypeCount = static_cast<uint32_t>(m_dtypeCounts.size()) - totals.firstDType;
    }
    m_totalsOwners.shrink_to_fit();
    m_totals.shrink_to_fit();
    m_dtypeCounts.shrink_to_fit();
}

// Depth-first over the sorted tree: the flat list then reads like the expanded tree, layers.2 before layers.10. A
// quantized weight is one row, as in the tree: its parts stay folded beneath it, never listed beside it.
void TensorTree::collectFlatOrder()
{
    m_flat.clear();
    m_flat.reserve(m_leafOfTensor.size());
    m_flatRow.assign(m_nodes.size(), kNone);
    std::vector<std::pair<uint32_t, uint32_t>> stack{{rootId(), 0}}; // (node, next child row)
    while (!stack.empty()) {
        auto& [id, row] = stack.back();
        const std::span<const uint32_t> children = childrenOf(id);
        if (row == children.size()) {
            stack.pop_back();
            continue;
        }
        const uint32_t child = children[row++];
        if (isLeaf(child) || isLogical(child)) {
            m_flatRow[child] = static_cast<uint32_t>(m_flat.size());
            m_flat.push_back(child);
        } else {
            stack.emplace_back(child, 0);
        }
    }
}

} // namespace safescope
