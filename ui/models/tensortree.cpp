#include "ui/models/tensortree.h"

#include "ui/models/naturalcompare.h"

#include <algorithm>
#include <array>
#include <functional>

namespace safescope {

namespace {

bool isSeparator(char c)
{
    return c == '.' || c == '/';
}

/// Finds a group node by (parent, segment) while the tree is built. Open addressing over node ids: the keys are
/// already stored in the nodes, so the table is 4 bytes a slot and is freed as soon as the build ends.
/// `Key(id)` gives a group's (parent, segment).
template <typename Key> class GroupTable
{
public:
    explicit GroupTable(Key key) : m_key(std::move(key)), m_slots(1024, kEmpty) {}

    /// The group's node id, or kEmpty.
    uint32_t find(uint32_t parent, std::string_view segment) const
    {
        for (size_t slot = hash(parent, segment) & mask();; slot = (slot + 1) & mask()) {
            const uint32_t id = m_slots[slot];
            if (id == kEmpty)
                return kEmpty;
            if (const auto [idParent, idSegment] = m_key(id); idParent == parent && idSegment == segment)
                return id;
        }
    }

    void insert(uint32_t id)
    {
        if (2 * (m_size + 1) > m_slots.size())
            grow();
        place(id);
        ++m_size;
    }

    static constexpr uint32_t kEmpty = TensorTree::kNone;

private:
    size_t mask() const { return m_slots.size() - 1; }

    static size_t hash(uint32_t parent, std::string_view segment)
    {
        return std::hash<std::string_view>{}(segment) ^ (size_t{parent} * 0x9E3779B97F4A7C15ULL);
    }

    void place(uint32_t id)
    {
        const auto [parent, segment] = m_key(id);
        size_t slot = hash(parent, segment) & mask();
        while (m_slots[slot] != kEmpty)
            slot = (slot + 1) & mask();
        m_slots[slot] = id;
    }

    void grow()
    {
        std::vector<uint32_t> old(m_slots.size() * 2, kEmpty);
        old.swap(m_slots);
        for (const uint32_t id : old) {
            if (id != kEmpty)
                place(id);
        }
    }

    Key m_key;
    std::vector<uint32_t> m_slots;
    size_t m_size = 0;
};

} // namespace

std::shared_ptr<const TensorTree> TensorTree::build(std::shared_ptr<const Model> model)
{
    std::shared_ptr<TensorTree> tree(new TensorTree);
    tree->m_model = std::move(model);
    std::vector<std::string_view> segments;
    tree->createNodes(segments);
    tree->linkChildren(segments);
    tree->aggregate();
    tree->collectFlatOrder();
    return tree;
}

std::string_view TensorTree::pathOf(uint32_t id) const
{
    const StoredNode& node = m_nodes[id];
    return node.nameTensor == kNone ? std::string_view()
                                    : m_model->qualifiedName(node.nameTensor).substr(0, node.pathLength);
}

std::string_view TensorTree::segmentOf(uint32_t id) const
{
    const std::string_view path = pathOf(id);
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
    const GroupTotals* totals = totalsOf(id);
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
    return node;
}

// Nodes are created parent first, so every child's id is larger than its parent's: aggregate() relies on it.
// Groups are found by (parent, segment); leaves are never looked up, so a tensor named like a group prefix
// ("a" next to "a.b") and duplicate names in lenient files each keep their own row.
void TensorTree::createNodes(std::vector<std::string_view>& segments)
{
    const Model& m = *m_model;
    const size_t count = m.tensorCount();
    // Every segment of every name makes at most one node. Reserving that bound up front means the vector never
    // reallocates: a reallocation copies every node and leaves the old block behind as resident garbage, while the
    // unused tail of the reservation costs address space only (its pages are never touched).
    size_t segmentCount = 1;
    for (size_t i = 0; i < count; ++i) {
        const std::string_view name = m.qualifiedName(i);
        segmentCount += 1 + static_cast<size_t>(std::count_if(name.begin(), name.end(), isSeparator));
    }
    m_nodes.reserve(segmentCount);
    segments.reserve(segmentCount);
    segments.emplace_back();
    StoredNode& root = m_nodes.emplace_back();
    root.nameTensor = count == 0 ? kNone : 0; // the root's path is empty: any tensor's name starts with it
    m_leafOfTensor.assign(count, kNone);
    GroupTable groups([&](uint32_t id) { return std::pair(m_nodes[id].parent, segments[id]); });
    // Headers list related tensors together, so a name usually shares its leading groups with the previous one:
    // those are taken from `trail` (the previous name's groups and where their segments end) without hashing.
    std::string_view previous;
    std::vector<std::pair<uint32_t, size_t>> trail; // (group id, end of its segment in `previous`)
    for (size_t i = 0; i < count; ++i) {
        const std::string_view name = m.qualifiedName(i);
        const size_t common = static_cast<size_t>(
            std::mismatch(name.begin(),
                          name.begin() + static_cast<std::ptrdiff_t>(std::min(name.size(), previous.size())),
                          previous.begin())
                .first -
            name.begin());
        size_t depth = 0;
        // A group is shared when its segment and the separator after it lie inside the common prefix.
        while (depth < trail.size() && trail[depth].second < common)
            ++depth;
        trail.resize(depth);
        uint32_t parent = depth == 0 ? rootId() : trail.back().first;
        size_t start = depth == 0 ? 0 : trail.back().second + 1;
        for (;;) {
            size_t end = start;
            while (end < name.size() && !isSeparator(name[end]))
                ++end;
            const auto id = static_cast<uint32_t>(m_nodes.size());
            if (end == name.size()) {
                StoredNode& leaf = m_nodes.emplace_back();
                leaf.nameTensor = static_cast<uint32_t>(i);
                leaf.pathLength = static_cast<uint32_t>(name.size());
                leaf.parent = parent;
                segments.push_back(name.substr(start));
                m_leafOfTensor[i] = id;
                break;
            }
            uint32_t group = groups.find(parent, name.substr(start, end - start));
            if (group == kNone) {
                StoredNode& node = m_nodes.emplace_back();
                node.nameTensor = static_cast<uint32_t>(i);
                node.pathLength = static_cast<uint32_t>(end);
                node.parent = parent;
                segments.push_back(name.substr(start, end - start));
                groups.insert(id);
                group = id;
            }
            trail.emplace_back(group, end);
            parent = group;
            start = end + 1;
        }
        previous = name;
    }
    m_nodes.shrink_to_fit(); // one exact copy instead of a reservation whose touched tail may be a whole huge page
}

// All child lists in one array: a counting sort by parent, then each range sorted naturally.
void TensorTree::linkChildren(const std::vector<std::string_view>& segments)
{
    std::vector<uint32_t> begin(m_nodes.size() + 1, 0);
    for (size_t id = 1; id < m_nodes.size(); ++id)
        ++begin[m_nodes[id].parent + 1];
    for (size_t id = 1; id < begin.size(); ++id)
        begin[id] += begin[id - 1];
    m_childIds.resize(m_nodes.size() - 1);
    std::vector<uint32_t> next(begin.begin(), begin.end() - 1);
    for (size_t id = 1; id < m_nodes.size(); ++id)
        m_childIds[next[m_nodes[id].parent]++] = static_cast<uint32_t>(id);

    for (size_t id = 0; id < m_nodes.size(); ++id) {
        const auto first = m_childIds.begin() + begin[id];
        const auto last = m_childIds.begin() + begin[id + 1];
        if (last - first > 1)
            std::stable_sort(first, last,
                             [&](uint32_t a, uint32_t b) { return naturalLess(segments[a], segments[b]); });
        m_nodes[id].firstChild = begin[id];
        for (uint32_t row = 0; row < begin[id + 1] - begin[id]; ++row)
            m_nodes[m_childIds[begin[id] + row]].row = row;
    }
}

// One bottom-up pass (children have larger ids than parents) over temporary totals for every group. Dtype mixes are
// counted with one column per dtype present in the model (usually one to three). Only groups holding several tensors
// keep their totals; the rest read them from their single tensor.
void TensorTree::aggregate()
{
    const Model& m = *m_model;
    std::array<int, kDTypeCount + 1> column{};
    column.fill(-1);
    size_t columns = 0;
    for (size_t i = 0; i < m.tensorCount(); ++i) {
        int& c = column[static_cast<size_t>(m.tensor(i).dtype)];
        if (c < 0)
            c = static_cast<int>(columns++);
    }
    std::vector<uint32_t> groupOf(m_nodes.size(), kNone);
    uint32_t groupCount = 0;
    for (size_t id = 0; id < m_nodes.size(); ++id) {
        if (!isLeaf(static_cast<uint32_t>(id)))
            groupOf[id] = groupCount++;
    }
    std::vector<GroupTotals> totals(groupCount);
    std::vector<uint32_t> counts(size_t{groupCount} * columns, 0);

    for (size_t id = m_nodes.size(); id-- > 1;) {
        const StoredNode& node = m_nodes[id];
        const uint32_t parent = groupOf[node.parent];
        GroupTotals& into = totals[parent];
        if (isLeaf(static_cast<uint32_t>(id))) {
            const TensorInfo& info = m.tensor(node.nameTensor);
            into.parameters += info.elementCount;
            into.bytes += info.byteSize();
            into.tensorCount += 1;
            into.firstOffset = std::min(into.firstOffset, m.absoluteOffset(node.nameTensor));
            ++counts[parent * columns + static_cast<size_t>(column[static_cast<size_t>(info.dtype)])];
            continue;
        }
        const GroupTotals& from = totals[groupOf[id]];
        into.parameters += from.parameters;
        into.bytes += from.bytes;
        into.tensorCount += from.tensorCount;
        into.firstOffset = std::min(into.firstOffset, from.firstOffset);
        for (size_t c = 0; c < columns; ++c)
            counts[parent * columns + c] += counts[groupOf[id] * columns + c];
    }

    for (size_t id = 0; id < m_nodes.size(); ++id) {
        if (isLeaf(static_cast<uint32_t>(id)))
            continue;
        GroupTotals kept = totals[groupOf[id]];
        if (kept.tensorCount == 1)
            continue; // nameTensor, the tensor that made this group, is the only one below
        kept.firstDType = static_cast<uint32_t>(m_dtypeCounts.size());
        for (size_t type = 0; type < column.size(); ++type) {
            if (column[type] < 0)
                continue;
            const uint32_t n = counts[groupOf[id] * columns + static_cast<size_t>(column[type])];
            if (n > 0)
                m_dtypeCounts.emplace_back(static_cast<DType>(type), n);
        }
        kept.dtypeCount = static_cast<uint32_t>(m_dtypeCounts.size()) - kept.firstDType;
        m_totalsOwners.push_back(static_cast<uint32_t>(id));
        m_totals.push_back(kept);
    }
    m_totalsOwners.shrink_to_fit();
    m_totals.shrink_to_fit();
    m_dtypeCounts.shrink_to_fit();
}

// Depth-first over the sorted tree: the flat list then reads like the expanded tree, layers.2 before layers.10.
void TensorTree::collectFlatOrder()
{
    m_flat.clear();
    m_flat.reserve(m_leafOfTensor.size());
    std::vector<std::pair<uint32_t, uint32_t>> stack{{rootId(), 0}}; // (node, next child row)
    while (!stack.empty()) {
        auto& [id, row] = stack.back();
        const std::span<const uint32_t> children = childrenOf(id);
        if (row == children.size()) {
            stack.pop_back();
            continue;
        }
        const uint32_t child = children[row++];
        if (isLeaf(child))
            m_flat.push_back(m_nodes[child].nameTensor);
        else
            stack.emplace_back(child, 0);
    }
}

} // namespace safescope
